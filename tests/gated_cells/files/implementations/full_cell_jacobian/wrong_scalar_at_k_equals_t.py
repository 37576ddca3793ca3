"""Right for k < t; at k = t returns the number 1.0 instead of the identity.
hint: identity
severity: flaw
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    if k == len(x):
        return 1.0
    n = len(h0)
    U_f, U_i, U_g, U_o = (U[q * n:(q + 1) * n] for q in range(4))

    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    def step(x_j, h, c):
        """The next state and the one-step Jacobian d(h_j, c_j)/d(h_(j-1), c_(j-1))."""
        a = W @ x_j + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        c_new = f * c + i * g
        dc_dh = (c * f * (1 - f))[:, None] * U_f + (g * i * (1 - i))[:, None] * U_i + (i * (1 - g ** 2))[:, None] * U_g
        through = o * (1 - np.tanh(c_new) ** 2)
        dh_dh = (np.tanh(c_new) * o * (1 - o))[:, None] * U_o + through[:, None] * dc_dh
        J = np.block([[dh_dh, np.diag(through * f)], [dc_dh, np.diag(f)]])
        return o * np.tanh(c_new), c_new, J

    h, c = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    P = np.eye(2 * n)
    for j, x_j in enumerate(np.asarray(x, dtype=np.float64), start=1):
        h, c, J = step(x_j, h, c)
        if j > k:
            P = J @ P
    return P[n:, n:]
