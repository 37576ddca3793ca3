"""Loop forward from step k+1 to t, multiplying each new J_i on the left (0-based columns).
severity: correct
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.asarray(b_h, dtype=float).ravel()
    P = np.identity(n)
    for col in range(k, t):  # column col holds h_col and x_{col+1}: step col+1
        a = W_hh @ h[:, col] + W_hx @ x[:, col] + b
        s = np.exp(-np.abs(a))
        slope = s / (1.0 + s) ** 2
        P = (slope[:, None] * W_hh) @ P
    return P
