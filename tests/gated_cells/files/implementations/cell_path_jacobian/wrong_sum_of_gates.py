"""Adds the forget gates instead of multiplying them.
hint: sum
severity: math
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    n = len(h0)

    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    h, c = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    forget = []
    for x_j in np.asarray(x, dtype=np.float64):
        a = W @ x_j + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        c = f * c + i * g
        h = o * np.tanh(c)
        forget.append(sigmoid(a[0:n]))
    return np.eye(n) + np.diag(np.sum(np.reshape(forget[k:], (-1, n)), axis=0))
