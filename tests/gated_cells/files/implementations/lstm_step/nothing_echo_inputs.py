"""Returns the previous states unchanged (copies).
severity: nothing
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    return np.array(h_prev, dtype=np.float64), np.array(c_prev, dtype=np.float64)
