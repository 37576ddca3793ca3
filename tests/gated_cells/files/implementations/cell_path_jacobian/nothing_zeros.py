"""A zero matrix of the right shape.
severity: nothing
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    return np.zeros((len(h0), len(h0)))
