"""Sums log(1 - z_j) = -logaddexp(0, a_z) and exponentiates once (exact zeros for gates saturated at 1).
severity: correct
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    n = len(h0)
    h = np.asarray(h0, dtype=np.float64)
    log_carry = np.zeros(n)
    for j in range(1, len(x) + 1):
        x_j = np.asarray(x[j - 1], dtype=np.float64)
        a_z = W[:n] @ x_j + U[:n] @ h + b[:n]
        z = np.exp(-np.logaddexp(0.0, -a_z))
        r = np.exp(-np.logaddexp(0.0, -(W[n:2 * n] @ x_j + U[n:2 * n] @ h + b[n:2 * n])))
        q = np.tanh(W[2 * n:] @ x_j + U[2 * n:] @ (r * h) + b[2 * n:])
        if j > k:
            log_carry = log_carry - np.logaddexp(0.0, a_z)
        h = (1 - z) * h + z * q
    return np.diag(np.exp(log_carry))
