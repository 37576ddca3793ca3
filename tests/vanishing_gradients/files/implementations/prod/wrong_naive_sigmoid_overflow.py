"""Right product, but sigma' via naive 1/(1+exp(-a)): overflow warning for saturated units (a < -709).
hint: overflow_warning
severity: flaw
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        s = 1 / (1 + np.exp(-a))
        P = P @ (np.diag(s * (1 - s)) @ W_hh)
    return P
