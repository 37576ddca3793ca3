"""Scales each g by the clip factor min(1, max_norm / g), dividing only where g > max_norm.
severity: correct
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    factor = np.ones_like(g)
    if max_norm is not None:
        above = g > max_norm  # there g > max_norm > 0: no division by zero
        factor[above] = max_norm / g[above]
    return learning_rate * (g * factor)  # g * factor first: min(g, max_norm), never huge when clipping
