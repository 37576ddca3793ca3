"""Computes in float32: the steps come back as float32, right to about 1e-7 only.
hint: not_float64
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.asarray(grad_norms, dtype=np.float32)
    if max_norm is None:
        return learning_rate * g
    return learning_rate * np.minimum(g, max_norm)
