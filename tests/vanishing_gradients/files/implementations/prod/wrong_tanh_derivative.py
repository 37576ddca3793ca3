"""Uses the tanh derivative 1 - tanh(a)**2 for a sigmoid RNN.
hint: tanh_derivative
severity: math
"""
import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    b = np.reshape(b_h, -1)
    P = np.eye(n)
    for i in range(t, k, -1):
        a = W_hh @ h[:, i - 1] + W_hx @ x[:, i - 1] + b
        P = P @ (np.diag(1 - np.tanh(a) ** 2) @ W_hh)
    return P
