"""Returns learning_rate * max_norm (learning_rate without clipping) for every update.
severity: nothing
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return np.full(len(grad_norms), learning_rate * (1.0 if max_norm is None else max_norm))
