"""The products of every suffix of the gates with a reversed cumulative product; k = t is the identity.
severity: correct
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
    if k == len(forget):
        return np.eye(n)
    suffixes = np.cumprod(np.asarray(forget)[::-1], axis=0)[::-1]
    return np.diag(suffixes[k])
