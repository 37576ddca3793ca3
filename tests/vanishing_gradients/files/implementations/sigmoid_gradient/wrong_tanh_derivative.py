"""Uses the tanh derivative 1 - tanh(x)**2 (max 1) instead of the sigmoid's (max 1/4).
hint: tanh_derivative
severity: math
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return 1 - np.tanh(x) ** 2
