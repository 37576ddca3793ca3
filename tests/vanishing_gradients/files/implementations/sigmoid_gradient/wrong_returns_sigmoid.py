"""Returns the (stable) sigmoid itself, not its derivative.
hint: sigmoid_not_derivative
severity: math
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
