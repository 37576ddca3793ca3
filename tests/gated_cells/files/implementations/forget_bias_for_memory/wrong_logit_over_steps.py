"""logit(tolerance) / steps: divides the bias instead of taking the steps-th root of the gate.
hint: logit_over_steps
severity: math
"""
import math


def forget_bias_for_memory(steps, tolerance):
    return math.log(tolerance / (1 - tolerance)) / steps
