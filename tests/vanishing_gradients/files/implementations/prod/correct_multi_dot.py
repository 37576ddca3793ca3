"""Builds the list [J_t, ..., J_{k+1}] and multiplies it with np.linalg.multi_dot.
severity: correct
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    n, t = W_hh.shape[0], h.shape[1]
    b = np.asarray(b_h).reshape(n)
    Js = []
    for i in range(t, k, -1):
        s = sigmoid(W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b)
        Js.append(np.diag(s * (1 - s)) @ W_hh)
    if len(Js) == 0:
        return np.eye(n)
    if len(Js) == 1:
        return np.array(Js[0], dtype=float)
    return np.linalg.multi_dot(Js)
