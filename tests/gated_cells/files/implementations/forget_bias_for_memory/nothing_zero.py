"""Always 0.
severity: nothing
"""


def forget_bias_for_memory(steps, tolerance):
    return 0.0
