"""Classifies by the cell path alone, prod_j diag(f_j): never "exploding".
hint: cell_path
severity: math
"""
import numpy as np


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    h, c = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    path = np.ones(n)
    for j, x_j in enumerate(np.asarray(x, dtype=np.float64), start=1):
        a = W @ x_j + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        if j > k:
            path = path * f
        c = f * c + i * g
        h = o * np.tanh(c)
    size = np.max(path)
    if size < tolerance:
        return "vanishing"
    if size > 1 / tolerance:
        return "exploding"
    return "kept"
