"""W @ x as on column vectors: right for one sample, fails on a batch of rows.
hint: layout
severity: math
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = np.shape(h_prev)[-1]
    a = W[:2 * n] @ x + U[:2 * n] @ h_prev + b[:2 * n]
    z, r = sigmoid(a[:n]), sigmoid(a[n:])
    q = np.tanh(W[2 * n:] @ x + U[2 * n:] @ (r * h_prev) + b[2 * n:])
    return (1 - z) * h_prev + z * q
