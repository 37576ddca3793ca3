"""Returns float64 zeros of the log's length.
severity: nothing
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return np.zeros(len(grad_norms))
