"""Reads h's columns as outputs h_1..h_t: uses h[:, i-2] for h_{i-1} (wraps to the last column at i=1).
hint: off_by_one_column
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 2] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
