"""Caps the norms with np.fmin at max_norm, or at infinity for a run without clipping.
severity: correct
"""
import math

import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    cap = math.inf if max_norm is None else max_norm
    return learning_rate * np.fmin(np.asarray(grad_norms, dtype=np.float64), cap)
