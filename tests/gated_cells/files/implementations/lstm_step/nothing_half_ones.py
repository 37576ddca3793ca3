"""Constant states: h of 0.5 and c of 1.
severity: nothing
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    return np.full(np.shape(h_prev), 0.5), np.ones(np.shape(c_prev))
