"""One sample at a time with W @ x on vectors, stacked back into a batch.
severity: correct
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    def one(x_s, h_s):
        n = len(h_s)
        z = sigmoid(W[:n] @ x_s + U[:n] @ h_s + b[:n])
        r = sigmoid(W[n:2 * n] @ x_s + U[n:2 * n] @ h_s + b[n:2 * n])
        q = np.tanh(W[2 * n:] @ x_s + U[2 * n:] @ (r * h_s) + b[2 * n:])
        return (1 - z) * h_s + z * q

    x, h_prev = np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    if h_prev.ndim == 1:
        return one(x, h_prev)
    return np.stack([one(x_s, h_s) for x_s, h_s in zip(x, h_prev)])
