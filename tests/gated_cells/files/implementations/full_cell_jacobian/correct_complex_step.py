"""Complex-step differentiation of the forward pass run on from (h_k, c_k): exact to rounding, no formula for the Jacobian.
severity: correct
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    n, t = len(h0), len(x)

    def sigmoid(a):
        return 0.5 * (1 + np.tanh(a / 2))  # complex-safe and overflow-free

    def run(h, c, rows):
        for x_j in rows:
            a = W @ x_j + U @ h + b
            c = sigmoid(a[:n]) * c + sigmoid(a[n:2 * n]) * np.tanh(a[2 * n:3 * n])
            h = sigmoid(a[3 * n:]) * np.tanh(c)
        return h, c

    rows = np.asarray(x, dtype=np.float64)
    h_k, c_k = run(np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64), rows[:k])
    step = 1e-30
    columns = [np.imag(run(h_k + 0j, c_k + 1j * step * e, rows[k:t])[1]) / step for e in np.eye(n)]
    return np.stack(columns, axis=1)
