"""Seed lecture factor W_hh.T @ diag(sigma'): the transposed (denominator-layout) Jacobian.
hint: transpose
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        P = P @ (W_hh.T @ np.diag(e / (1 + e) ** 2))
    return P
