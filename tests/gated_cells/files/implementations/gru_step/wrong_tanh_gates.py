"""tanh for the gates instead of the logistic sigmoid.
hint: gate_activation
severity: math
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = np.shape(h_prev)[-1]
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + b[:2 * n]
    z, r = np.tanh(a[..., :n]), np.tanh(a[..., n:])
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + b[2 * n:])
    return (1 - z) * h_prev + z * q
