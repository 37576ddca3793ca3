"""Blocks of one stacked product, an overflow-free sigmoid from exp(-|a|).
severity: correct
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    x, h_prev = np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    n = h_prev.shape[-1]
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + b[:2 * n]
    z, r = sigmoid(a[..., :n]), sigmoid(a[..., n:])
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + b[2 * n:])
    return (1 - z) * h_prev + z * q
