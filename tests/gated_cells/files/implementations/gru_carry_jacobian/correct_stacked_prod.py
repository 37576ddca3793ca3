"""States of rows, the carries of steps k+1..t stacked in an array, np.prod over the steps.
severity: correct
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = np.shape(U)[1]
    h = np.asarray(h0, dtype=np.float64).reshape(1, n)
    carries = np.empty((0, n))
    for j, x_j in enumerate(np.atleast_2d(np.asarray(x, dtype=np.float64)), start=1):
        a = x_j @ W.T + np.concatenate([h @ U[:2 * n].T, np.zeros((1, n))], axis=1) + b
        z, r = sigmoid(a[:, :n]), sigmoid(a[:, n:2 * n])
        q = np.tanh(a[:, 2 * n:] + (r * h) @ U[2 * n:].T)
        if j > k:
            carries = np.vstack([carries, 1 - z])
        h = (1 - z) * h + z * q
    return np.diag(np.prod(carries, axis=0))
