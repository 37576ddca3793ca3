"""Divides by log(1 - forget_gate): the decay of the gate's complement.
hint: steps_formula
severity: math
"""
import math


def memory_steps(forget_gate, tolerance):
    return math.floor(math.log(tolerance) / math.log(1 - forget_gate)) + 1
