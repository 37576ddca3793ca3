"""Clips with Python's min(g, max_norm), which works on single numbers only: ValueError on a log.
hint: math_on_array
severity: form
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return learning_rate * g
    return learning_rate * min(g, max_norm)
