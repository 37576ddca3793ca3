"""The gate p = tolerance ** (1 / steps), its log, and 1 - p from expm1 (no cancellation).
severity: correct
"""
import math


def forget_bias_for_memory(steps, tolerance):
    gate = tolerance ** (1.0 / steps)
    return math.log(gate) - math.log(-math.expm1(math.log(tolerance) / steps))
