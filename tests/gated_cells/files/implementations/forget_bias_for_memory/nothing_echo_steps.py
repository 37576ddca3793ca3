"""Echoes an input: returns the number of steps as a float.
severity: nothing
"""


def forget_bias_for_memory(steps, tolerance):
    return float(steps)
