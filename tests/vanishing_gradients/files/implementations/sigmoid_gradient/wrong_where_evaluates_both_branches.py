"""np.where with two branches: numpy evaluates both, so exp(1000) overflows at x = +-1000.
hint: overflow_warning
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    s = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    return s * (1 - s)
