"""Stacks all Jacobians as a (t, n, n) array with einsum, then multiplies the slice [k:t] in reverse.
severity: correct
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    W = np.asarray(W_hh, dtype=np.float64)
    n, t = W.shape[0], h.shape[1]
    A = W @ h + W_hx @ x + np.asarray(b_h, dtype=np.float64).reshape(-1, 1)
    slopes = 0.25 * (1.0 - np.tanh(A / 2.0) ** 2)  # sigma'(a) = (1 - tanh(a/2)^2) / 4
    J = np.einsum("ti,ij->tij", slopes.T, W)  # J[i-1] = diag(sigma'(a_i)) W_hh
    P = np.eye(n)
    for Ji in J[k:t][::-1]:
        P = P @ Ji
    return P
