"""Computes in column layout, W @ x.T, and transposes back to rows.
severity: correct
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    n = U.shape[1]
    x2, h2 = np.atleast_2d(x).T, np.atleast_2d(h_prev).T
    a = (W @ x2 + U @ h2 + b[:, None]).T.reshape(np.shape(h_prev)[:-1] + (4 * n,))
    e = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
    f, i, o = s[..., :n], s[..., n:2 * n], s[..., 3 * n:]
    g = np.tanh(a[..., 2 * n:3 * n])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
