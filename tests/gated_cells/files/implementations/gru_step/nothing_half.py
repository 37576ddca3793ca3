"""A constant 0.5 of the right shape.
severity: nothing
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    return np.full(np.shape(h_prev), 0.5)
