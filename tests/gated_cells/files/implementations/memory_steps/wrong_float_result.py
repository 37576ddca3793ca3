"""Right number of steps, returned as a float (np.floor keeps floats).
hint: int_type
severity: flaw
"""
import numpy as np


def memory_steps(forget_gate, tolerance):
    steps = np.floor(np.log(tolerance) / np.log(forget_gate)) + 1
    while forget_gate ** steps >= tolerance:
        steps += 1
    return steps
