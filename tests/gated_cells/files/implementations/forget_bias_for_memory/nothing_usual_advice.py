"""Always the usual advice, a bias of 1.
severity: nothing
"""


def forget_bias_for_memory(steps, tolerance):
    return 1.0
