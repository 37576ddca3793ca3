"""The approximation log(steps / -log(tolerance)), not the exact logit.
hint: approximation
severity: math
"""
import math


def forget_bias_for_memory(steps, tolerance):
    return math.log(steps / -math.log(tolerance))
