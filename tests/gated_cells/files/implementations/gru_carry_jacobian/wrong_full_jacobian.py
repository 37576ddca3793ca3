"""The GRU's full dh_t/dh_k (through the gates and the candidate too) instead of the carry path alone.
hint: full_jacobian
severity: math
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    h = np.array(h0, dtype=np.float64)
    product = np.eye(n)
    for j, x_j in enumerate(np.asarray(x, dtype=np.float64), start=1):
        z = sigmoid(W[:n] @ x_j + U[:n] @ h + b[:n])
        r = sigmoid(W[n:2 * n] @ x_j + U[n:2 * n] @ h + b[n:2 * n])
        q = np.tanh(W[2 * n:] @ x_j + U[2 * n:] @ (r * h) + b[2 * n:])
        if j > k:
            reset = np.diag(r) + (h * r * (1 - r))[:, None] * U[n:2 * n]
            step = (np.diag(1 - z) + ((q - h) * z * (1 - z))[:, None] * U[:n]
                    + (z * (1 - q ** 2))[:, None] * (U[2 * n:] @ reset))
            product = step @ product
        h = (1 - z) * h + z * q
    return product
