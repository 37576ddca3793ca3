"""exp(-x)/(1+exp(-x))**2 without |x|: inf/inf gives nan (overflow, invalid) at x = -1000.
hint: overflow_warning
severity: flaw
"""
import numpy as np


def sigmoid_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-x)
    return e / (1 + e) ** 2
