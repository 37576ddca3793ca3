"""Returns None.
severity: nothing
"""


def step_lengths(grads, learning_rate, max_norm, clip_value):
    return None
