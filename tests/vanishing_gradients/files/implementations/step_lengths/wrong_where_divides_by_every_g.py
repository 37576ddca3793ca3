"""np.where(g > max_norm, max_norm / g, 1) evaluates max_norm / g everywhere: divides by zero at g = 0.
hint: zero_division
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return learning_rate * g
    return learning_rate * g * np.where(g > max_norm, max_norm / g, 1.0)
