"""Takes learning_rate * max_norm where g > max_norm and learning_rate * g elsewhere (np.where).
severity: correct
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.asarray(grad_norms, dtype=np.float64)
    steps = learning_rate * g
    if max_norm is None:
        return steps
    return np.where(g > max_norm, learning_rate * max_norm, steps)
