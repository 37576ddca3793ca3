"""Multiplies the cell path by the gate until it falls below the tolerance.
severity: correct
"""


def memory_steps(forget_gate, tolerance):
    path, steps = 1.0, 0
    while path >= tolerance:
        path *= forget_gate
        steps += 1
    return steps
