"""np.asarray does not copy float64 arrays, so np.abs(x, out=x) overwrites the caller's x.
hint: mutates_input
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    np.abs(x, out=x)
    e = np.exp(-x)
    return e / (1 + e) ** 2
