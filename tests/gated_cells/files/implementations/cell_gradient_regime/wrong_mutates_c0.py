"""Right regime, but runs the cell in the array c0 itself, updated in place.
hint: mutates_input
severity: flaw
"""
import numpy as np


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    U_f, U_i, U_g, U_o = (U[q * n:(q + 1) * n] for q in range(4))
    h, c = np.asarray(h0, dtype=np.float64), c0
    product = np.eye(2 * n)
    for j, x_j in enumerate(np.asarray(x, dtype=np.float64), start=1):
        a = W @ x_j + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        if j > k:
            dc_dh = ((c * f * (1 - f))[:, None] * U_f + (g * i * (1 - i))[:, None] * U_i
                     + (i * (1 - g ** 2))[:, None] * U_g)
            through = o * (1 - tc ** 2)
            dh_dh = (tc * o * (1 - o))[:, None] * U_o + through[:, None] * dc_dh
            product = np.block([[dh_dh, np.diag(through * f)], [dc_dh, np.diag(f)]]) @ product
        h = o * tc
        c[...] = c_new
    size = np.linalg.norm(product[n:, n:], 2)
    if size < tolerance:
        return "vanishing"
    if size > 1 / tolerance:
        return "exploding"
    return "kept"
