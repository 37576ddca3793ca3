"""Returns a copy of h_prev: the state never changes.
severity: nothing
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    return np.array(h_prev, dtype=np.float64)
