"""Seed lecture range(t-1, k-2, -1) over 0-based columns: t-k+1 factors (and column -1 at k=0).
hint: factor_count
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t - 1, k - 2, -1):
        a = W_hh @ h[:, i] + W_hx @ x[:, i] + b
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
