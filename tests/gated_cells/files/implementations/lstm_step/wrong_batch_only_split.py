"""np.split(a, 4, axis=1): right on batches, raises on one sample given as vectors.
hint: vectors
severity: flaw
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = U.shape[1]
    a = np.asarray(x) @ W.T + np.asarray(h_prev) @ U.T + b
    a_f, a_i, a_g, a_o = np.split(a, 4, axis=1)
    f, i, g, o = sigmoid(a_f), sigmoid(a_i), np.tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c
