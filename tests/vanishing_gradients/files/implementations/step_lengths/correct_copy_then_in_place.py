"""Copies the log with np.array, then caps and scales that copy in place.
severity: correct
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    steps = np.array(grad_norms, dtype=np.float64)  # a copy even of a float64 array
    if max_norm is not None:
        np.minimum(steps, max_norm, out=steps)
    steps *= learning_rate
    return steps
