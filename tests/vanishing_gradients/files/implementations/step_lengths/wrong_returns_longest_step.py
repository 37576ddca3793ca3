"""Returns one number, the longest step of the run, instead of one length per update.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is not None:
        g = np.minimum(g, max_norm)
    return np.max(learning_rate * g)
