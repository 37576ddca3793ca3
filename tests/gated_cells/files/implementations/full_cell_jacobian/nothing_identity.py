"""The identity: as if nothing were lost (right at k = t only).
severity: nothing
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    return np.eye(len(h0))
