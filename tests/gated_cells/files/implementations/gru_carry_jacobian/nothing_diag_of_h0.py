"""Echoes an input: the diagonal matrix of h0.
severity: nothing
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    return np.diag(np.asarray(h0, dtype=np.float64))
