"""Returns the zero matrix (a fully vanished gradient) for every k.
severity: nothing
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    return np.zeros(np.shape(W_hh), dtype=np.float64)
