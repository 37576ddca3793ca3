"""Returns None.
severity: nothing
"""


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return None
