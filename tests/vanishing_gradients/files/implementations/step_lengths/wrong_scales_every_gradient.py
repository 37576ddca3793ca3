"""Scales every gradient by max_norm / g, also those already below max_norm.
hint: always_scales
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return learning_rate * g
    return learning_rate * g * (max_norm / g)
