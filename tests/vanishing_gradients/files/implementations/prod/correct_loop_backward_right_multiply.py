"""Loop from step t down to k+1, multiplying each J_i = diag(sigma'(a_i)) W_hh on the right.
severity: correct
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        e = np.exp(-np.abs(a))
        P = P @ (np.diag(e / (1 + e) ** 2) @ W_hh)
    return P
