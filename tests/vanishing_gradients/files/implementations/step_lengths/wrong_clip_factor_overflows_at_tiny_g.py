"""Guards max_norm / g against g = 0 only: the factor overflows at subnormal norms (RuntimeWarning).
hint: overflow_warning
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    g = np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return learning_rate * g
    factor = np.minimum(1.0, max_norm / np.where(g > 0, g, 1.0))
    return learning_rate * g * factor
