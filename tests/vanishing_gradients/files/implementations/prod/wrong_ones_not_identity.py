"""Starts the product from np.ones((n, n)) instead of the identity.
hint: identity
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.ones((n, n))
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
