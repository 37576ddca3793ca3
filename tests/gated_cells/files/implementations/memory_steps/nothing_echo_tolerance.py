"""Echoes an input: returns the tolerance.
severity: nothing
"""


def memory_steps(forget_gate, tolerance):
    return tolerance
