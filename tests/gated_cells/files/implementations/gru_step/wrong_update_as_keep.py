"""The other convention: h = z * h_prev + (1 - z) * q.
hint: update_convention
severity: math
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = np.shape(h_prev)[-1]
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + b[:2 * n]
    z, r = sigmoid(a[..., :n]), sigmoid(a[..., n:])
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + b[2 * n:])
    return z * h_prev + (1 - z) * q
