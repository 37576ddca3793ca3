"""Stable two-branch sigmoid from exp(-|x|) (no overflow), then the textbook s * (1 - s).
severity: correct
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s * (1.0 - s)
