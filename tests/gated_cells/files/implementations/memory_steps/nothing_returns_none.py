"""The stub left as it was: returns None.
severity: nothing
"""


def memory_steps(forget_gate, tolerance):
    return None
