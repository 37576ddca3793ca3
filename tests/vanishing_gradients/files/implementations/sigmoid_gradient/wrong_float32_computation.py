"""Computes in float32 ("saves memory"): returns float32 and loses precision.
hint: not_float64
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2
