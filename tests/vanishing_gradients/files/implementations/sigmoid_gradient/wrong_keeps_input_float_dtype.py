"""No conversion to float64: float32 (or float16) input gives float32 (float16) output.
hint: dtype
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2
