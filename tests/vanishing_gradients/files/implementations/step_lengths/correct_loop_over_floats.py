"""Loops over the log as Python floats with the built-in min, then builds a float64 array.
severity: correct
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    steps = []
    for g in grad_norms:
        g = float(g)
        steps.append(learning_rate * (g if max_norm is None else min(g, max_norm)))
    return np.array(steps, dtype=np.float64)
