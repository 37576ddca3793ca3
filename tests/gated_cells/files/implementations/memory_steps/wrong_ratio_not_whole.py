"""Returns the ratio of logarithms itself, not a whole number of steps.
hint: whole_number
severity: math
"""
import math


def memory_steps(forget_gate, tolerance):
    return math.log(tolerance) / math.log(forget_gate)
