"""The identity: as if the cell kept everything (right at k = t only).
severity: nothing
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    return np.eye(len(h0))
