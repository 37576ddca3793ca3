"""Seed lecture style p = 1; p *= J: an elementwise (Hadamard) product, not a matrix product.
hint: hadamard
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    t = h.shape[1]
    b = np.reshape(b_h, -1)
    p = 1
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        p *= np.diag(e / (1 + e) ** 2) @ W_hh
    return p
