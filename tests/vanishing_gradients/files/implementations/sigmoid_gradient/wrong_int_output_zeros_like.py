"""Fills np.zeros_like(x): for int input the output is int, so every value truncates to 0.
hint: int_input
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    e = np.exp(-np.abs(x))
    out[...] = e / (1 + e) ** 2
    return out
