"""Recursion dh_t/dh_k = (dh_t/dh_{k+1}) J_{k+1}, with prod(t) = I.
severity: correct
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    if k == t:
        return np.eye(n)
    a = W_hh @ h[:, k] + W_hx @ x[:, k] + np.ravel(b_h)  # a_{k+1}: column k
    slope = np.exp(-np.logaddexp(0, -a) - np.logaddexp(0, a))
    return prod(k + 1, W_hh, W_hx, b_h, h, x) @ (np.diag(slope) @ W_hh)
