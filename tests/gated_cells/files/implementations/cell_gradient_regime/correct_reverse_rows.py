"""Stores the run, then back-propagates the rows of dc_t/d(h_j, c_j) from j = t down to k (vector-Jacobian products).
severity: correct
"""
import numpy as np


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    hs, cs, gates = [np.asarray(h0, dtype=np.float64)], [np.asarray(c0, dtype=np.float64)], []
    for x_j in np.asarray(x, dtype=np.float64):
        a = W @ x_j + U @ hs[-1] + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        gates.append((f, i, g, o))
    rows_h, rows_c = np.zeros((n, n)), np.eye(n)  # d c_t / d h_j and d c_t / d c_j
    for j in range(len(x), k, -1):
        f, i, g, o = gates[j - 1]
        tc = np.tanh(cs[j])
        rows_c = rows_c + rows_h * (o * (1 - tc ** 2))  # through h_j = o_j tanh(c_j)
        d_a = np.concatenate([rows_c * (cs[j - 1] * f * (1 - f)), rows_c * (g * i * (1 - i)),
                              rows_c * (i * (1 - g ** 2)), rows_h * (tc * o * (1 - o))], axis=1)
        rows_h, rows_c = d_a @ U, rows_c * f
    size = np.linalg.norm(rows_c, 2)
    if size < tolerance:
        return "vanishing"
    return "exploding" if size > 1 / tolerance else "kept"
