"""Squares the (clipped) norm, learning_rate * min(g, max_norm)**2, as in the loss decrease learning_rate * g**2.
hint: squared_norm
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is not None:
        g = np.minimum(g, max_norm)
    return learning_rate * g**2
