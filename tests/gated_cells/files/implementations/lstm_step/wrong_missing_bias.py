"""Pre-activations without the bias b.
hint: no_bias
severity: math
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = U.shape[1]
    a = np.asarray(x) @ W.T + np.asarray(h_prev) @ U.T
    f, i, g, o = sigmoid(a[..., :n]), sigmoid(a[..., n:2 * n]), np.tanh(a[..., 2 * n:3 * n]), sigmoid(a[..., 3 * n:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c
