"""logit(p) = log(p) - log(1 - p) with log p = log(tolerance) / steps and 1 - p = -expm1(log p).
severity: correct
"""
import math


def forget_bias_for_memory(steps, tolerance):
    log_gate = math.log(tolerance) / steps
    return log_gate - math.log(-math.expm1(log_gate))
