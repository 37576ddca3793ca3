"""Computes (1 - sigma(x))**2 instead of sigma(x) * (1 - sigma(x)).
hint: wrong_formula
severity: math
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return (1 - s) ** 2
