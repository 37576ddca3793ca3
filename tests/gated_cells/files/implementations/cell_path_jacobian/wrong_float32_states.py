"""Runs the forward pass in float32.
hint: not_float64
severity: flaw
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    n = len(h0)

    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    h, c = np.asarray(h0, dtype=np.float32), np.asarray(c0, dtype=np.float32)
    forget = []
    for x_j in np.asarray(x, dtype=np.float32):
        a = W @ x_j + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        c = f * c + i * g
        h = o * np.tanh(c)
        forget.append(sigmoid(a[0:n]))
    return np.diag(np.prod(np.reshape(forget[k:], (-1, n)), axis=0))
