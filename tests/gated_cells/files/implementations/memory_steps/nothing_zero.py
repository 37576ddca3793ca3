"""Always 0 steps.
severity: nothing
"""


def memory_steps(forget_gate, tolerance):
    return 0
