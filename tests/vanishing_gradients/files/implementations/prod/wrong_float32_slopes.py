"""Computes the slopes sigma'(a_i) in float32 ("saves memory"): products right to about 7 digits only.
hint: not_float64
severity: flaw
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = (W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b).astype(np.float32)
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
