"""Naive 1/(1+exp(-x)): exp(1000) overflows (RuntimeWarning) at x = -1000.
hint: overflow_warning
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)
