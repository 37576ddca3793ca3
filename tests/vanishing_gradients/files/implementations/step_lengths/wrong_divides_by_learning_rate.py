"""Divides the (clipped) norms by the learning rate instead of multiplying.
hint: divides_by_rate
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is not None:
        g = np.minimum(g, max_norm)
    return g / learning_rate
