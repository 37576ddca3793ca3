"""diag(c0), an input dressed as a matrix.
severity: nothing
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    return np.diag(np.asarray(c0, dtype=np.float64))
