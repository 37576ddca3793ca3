"""ceil of the ratio of logarithms, one more step when the power lands exactly on the tolerance.
severity: correct
"""
import numpy as np


def memory_steps(forget_gate, tolerance):
    steps = int(np.ceil(np.log(tolerance) / np.log(forget_gate)))
    if forget_gate ** steps >= tolerance:
        steps += 1
    return steps
