"""log10 of the tolerance over the natural log of the gate.
hint: steps_formula
severity: math
"""
import math


def memory_steps(forget_gate, tolerance):
    return math.floor(math.log10(tolerance) / math.log(forget_gate)) + 1
