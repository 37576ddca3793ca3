"""Uses 1 - sigma(x) = sigma(-x), with a nested overflow-free sigmoid.
severity: correct
"""
import numpy as np


def sigmoid_gradient(x):
    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    x = np.array(x, dtype=np.float64)
    return sigmoid(x) * sigmoid(-x)
