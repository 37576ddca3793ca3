"""Echoes its gradient list.
severity: nothing
"""


def step_lengths(grads, learning_rate, max_norm, clip_value):
    return grads
