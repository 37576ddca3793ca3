"""logit(p) with 1 - p computed as a difference: right but for memories of millions of steps, where it cancels.
hint: cancellation
severity: flaw
"""
import math


def forget_bias_for_memory(steps, tolerance):
    gate = tolerance ** (1.0 / steps)
    return math.log(gate / (1 - gate))
