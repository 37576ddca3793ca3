"""The sigmoid of the gate instead of its logit.
hint: gate_not_bias
severity: math
"""
import math


def forget_bias_for_memory(steps, tolerance):
    gate = tolerance ** (1.0 / steps)
    return 1 / (1 + math.exp(-gate))
