"""np.atleast_1d to "support scalars": a scalar input comes back with shape (1,).
hint: shape
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2
