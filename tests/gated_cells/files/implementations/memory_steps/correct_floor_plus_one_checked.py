"""floor(log(tolerance) / log(forget_gate)) + 1, then checked with the powers themselves.
severity: correct
"""
import math


def memory_steps(forget_gate, tolerance):
    steps = math.floor(math.log(tolerance) / math.log(forget_gate)) + 1
    while forget_gate ** steps >= tolerance:
        steps += 1
    while steps > 0 and forget_gate ** (steps - 1) < tolerance:
        steps -= 1
    return steps
