"""Ignores max_norm: every run's steps are learning_rate * g, as without clipping.
hint: ignores_clipping
severity: math
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return learning_rate * np.array(grad_norms, dtype=np.float64)
