"""The stub left as it was: returns None.
severity: nothing
"""


def forget_bias_for_memory(steps, tolerance):
    return None
