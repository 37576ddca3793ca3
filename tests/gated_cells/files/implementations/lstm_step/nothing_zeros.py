"""Zero states of the right shape.
severity: nothing
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    return np.zeros(np.shape(h_prev)), np.zeros(np.shape(c_prev))
