"""The identity, whatever the gates.
severity: nothing
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    return np.eye(len(h0))
