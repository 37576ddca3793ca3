"""Works on a batch always (np.atleast_2d), reshaped back to h_prev's shape; sigmoid via logaddexp.
severity: correct
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    X = np.atleast_2d(np.asarray(x, dtype=np.float64))
    H = np.atleast_2d(np.asarray(h_prev, dtype=np.float64))
    n = H.shape[1]
    gates = np.exp(-np.logaddexp(0.0, -(X @ W[:2 * n].T + H @ U[:2 * n].T + b[:2 * n])))
    z, r = gates[:, :n], gates[:, n:]
    q = np.tanh(X @ W[2 * n:].T + (r * H) @ U[2 * n:].T + b[2 * n:])
    return ((1 - z) * H + z * q).reshape(np.shape(h_prev))
