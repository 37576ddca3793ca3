"""Returns (a copy of) W_hh: one Jacobian without its slopes, whatever k is.
severity: nothing
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    return np.array(W_hh, dtype=np.float64)
