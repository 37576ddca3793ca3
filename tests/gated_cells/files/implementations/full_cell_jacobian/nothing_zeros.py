"""A zero matrix of the right shape.
severity: nothing
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    return np.zeros((len(h0), len(h0)))
