"""Identity sigma'(x) = (1 - tanh(x/2)**2) / 4; tanh never overflows.
severity: correct
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.25 * (1.0 - np.tanh(x / 2.0) ** 2)
