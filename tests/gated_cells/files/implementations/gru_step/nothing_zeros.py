"""Zeros of the right shape.
severity: nothing
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    return np.zeros(np.shape(h_prev))
