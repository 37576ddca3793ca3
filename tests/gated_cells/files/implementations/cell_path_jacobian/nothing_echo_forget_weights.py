"""Returns the forget block of U, an input.
severity: nothing
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    n = len(h0)
    return np.array(U[:n], dtype=np.float64)
