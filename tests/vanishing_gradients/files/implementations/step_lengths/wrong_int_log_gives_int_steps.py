"""Fills np.zeros_like of the log: an int log gives int steps, truncated towards 0.
hint: int_input
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.asarray(grad_norms)
    steps = np.zeros_like(g)
    steps[...] = learning_rate * (g if max_norm is None else np.minimum(g, max_norm))
    return steps
