"""One sample at a time, W @ x_r for every row r, stacked back together.
severity: correct
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    n = U.shape[1]

    def one(x_r, h_r, c_r):
        a = W @ x_r + U @ h_r + b
        e = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        c_new = s[:n] * c_r + s[n:2 * n] * np.tanh(a[2 * n:3 * n])
        return s[3 * n:] * np.tanh(c_new), c_new

    if np.ndim(h_prev) == 1:
        return one(np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64), c_prev)
    pairs = [one(x_r, h_r, c_r) for x_r, h_r, c_r in zip(np.asarray(x, dtype=np.float64), h_prev, c_prev)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
