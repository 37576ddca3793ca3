"""Uses np.maximum(g, max_norm): raises small norms to max_norm and keeps the spikes.
hint: maximum
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return learning_rate * g
    return learning_rate * np.maximum(g, max_norm)
