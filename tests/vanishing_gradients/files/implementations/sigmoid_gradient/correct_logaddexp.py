"""Log domain: log sigma(x) = -logaddexp(0, -x), log(1 - sigma(x)) = -logaddexp(0, x).
severity: correct
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x) - np.logaddexp(0.0, x))
