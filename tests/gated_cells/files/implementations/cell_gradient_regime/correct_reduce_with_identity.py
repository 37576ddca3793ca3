"""Collects the step Jacobians, functools.reduce with the identity as initial value, then the largest singular value.
severity: correct
"""
import functools

import numpy as np


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    U_f, U_i, U_g, U_o = np.split(np.asarray(U, dtype=np.float64), 4)
    h, c = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    steps = []
    for x_j in np.asarray(x, dtype=np.float64):
        f, i, g, o = np.split(W @ x_j + U @ h + b, 4)
        f, i, g, o = sigmoid(f), sigmoid(i), np.tanh(g), sigmoid(o)
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        dc_dh = np.diag(c * f * (1 - f)) @ U_f + np.diag(g * i * (1 - i)) @ U_i + np.diag(i * (1 - g ** 2)) @ U_g
        dh_dh = np.diag(tc * o * (1 - o)) @ U_o + np.diag(o * (1 - tc ** 2)) @ dc_dh
        steps.append(np.block([[dh_dh, np.diag(o * (1 - tc ** 2) * f)], [dc_dh, np.diag(f)]]))
        h, c = o * tc, c_new
    product = functools.reduce(lambda left, step: left @ step, reversed(steps[k:]), np.eye(2 * n))
    size = max(np.linalg.svd(product[n:, n:], compute_uv=False))
    if size < tolerance:
        return "vanishing"
    return "exploding" if size > 1 / tolerance else "kept"
