"""Clips the norms into [0, max_norm] with np.clip, whose upper bound None means no bound.
severity: correct
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return learning_rate * np.clip(np.asarray(grad_norms, dtype=np.float64), 0.0, max_norm)
