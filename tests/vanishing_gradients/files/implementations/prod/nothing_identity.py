"""Returns the identity matrix for every k: right for k = t only.
severity: nothing
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    return np.eye(W_hh.shape[0])
