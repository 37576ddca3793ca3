"""floor(log(tolerance) / log(forget_gate)): the last step still at or above the tolerance.
hint: one_too_few
severity: math
"""
import math


def memory_steps(forget_gate, tolerance):
    return math.floor(math.log(tolerance) / math.log(forget_gate))
