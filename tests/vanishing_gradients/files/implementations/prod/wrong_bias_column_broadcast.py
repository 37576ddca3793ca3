"""Adds b_h as given: a (n,1) bias broadcasts a_i to (n,n), so np.diag extracts a vector.
hint: bias_broadcast
severity: flaw
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b_h
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
