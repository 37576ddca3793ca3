"""Always clips with np.minimum(g, max_norm): max_norm=None (a run without clipping) raises TypeError.
hint: none_max_norm
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return learning_rate * np.minimum(np.array(grad_norms, dtype=np.float64), max_norm)
