"""Zeros of the right shape.
severity: nothing
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    return np.zeros((len(h0), len(h0)))
