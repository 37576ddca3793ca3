"""Stores sigma'(a_i) back into h's columns as scratch space: overwrites the caller's h.
hint: mutates_input
severity: flaw
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        h[:, i - 1] = e / (1 + e) ** 2
        P = P @ (np.diag(h[:, i - 1]) @ W_hh)
    return P
