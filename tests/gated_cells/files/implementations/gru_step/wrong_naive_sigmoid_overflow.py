"""Right formula with the naive sigmoid 1 / (1 + exp(-a)): overflows for saturated gates.
hint: overflow_warning
severity: flaw
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    n = np.shape(h_prev)[-1]
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + b[:2 * n]
    z, r = 1 / (1 + np.exp(-a[..., :n])), 1 / (1 + np.exp(-a[..., n:]))
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + b[2 * n:])
    return (1 - z) * h_prev + z * q
