"""(W_hh / 4)^(t - k): every slope taken as its maximum 1/4, the data ignored.
severity: nothing
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    return np.linalg.matrix_power(np.asarray(W_hh, dtype=np.float64) / 4, h.shape[1] - k)
