"""One factor too many: the product over j = k .. t (from j >= k).
hint: factor_count
severity: math
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    h = np.array(h0, dtype=np.float64)
    carry = np.ones(n)
    for j, x_j in enumerate(np.asarray(x, dtype=np.float64), start=1):
        z = sigmoid(W[:n] @ x_j + U[:n] @ h + b[:n])
        r = sigmoid(W[n:2 * n] @ x_j + U[n:2 * n] @ h + b[n:2 * n])
        q = np.tanh(W[2 * n:] @ x_j + U[2 * n:] @ (r * h) + b[2 * n:])
        if j >= k:
            carry = carry * (1 - z)
        h = (1 - z) * h + z * q
    return np.diag(carry)
