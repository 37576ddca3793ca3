"""ceil(log(tolerance) / log(forget_gate)): the smallest s with f^s <= tolerance, one step short at the threshold.
hint: threshold
severity: flaw
"""
import math


def memory_steps(forget_gate, tolerance):
    return math.ceil(math.log(tolerance) / math.log(forget_gate))
