"""Puts sigma(a_i) instead of sigma'(a_i) on the diagonal of J_i.
hint: sigmoid_not_derivative
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
        s = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        P = P @ (np.diag(s) @ W_hh)
    return P
