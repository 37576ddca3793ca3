"""Returns the norms of the clipped gradients, min(g, max_norm), not the steps taken with them.
hint: learning_rate
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return g
    return np.minimum(g, max_norm)
