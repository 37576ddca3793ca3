"""Caps the step learning_rate * g at max_norm instead of the gradient's norm g.
hint: caps_step
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    steps = learning_rate * np.array(grad_norms, dtype=np.float64)
    if max_norm is None:
        return steps
    return np.minimum(steps, max_norm)
