"""The ratio with log1p(forget_gate - 1) (accurate for gates near 1), floor + 1, and a check of the power.
severity: correct
"""
import math


def memory_steps(forget_gate, tolerance):
    steps = int(math.log(tolerance) / math.log1p(forget_gate - 1)) + 1
    if forget_gate ** (steps - 1) < tolerance:
        steps -= 1
    if forget_gate ** steps >= tolerance:
        steps += 1
    return steps
