"""All pre-activations in one matrix product, then functools.reduce over the Jacobians J_t..J_{k+1}.
severity: correct
"""
from functools import reduce

import numpy as np


def prod(k, W_hh, W_hx, b_h, h, x):
    n, t = W_hh.shape[0], h.shape[1]
    A = W_hh @ h + W_hx @ x + np.reshape(b_h, (n, 1))  # column i-1 is a_i
    E = np.exp(-np.abs(A))
    slopes = E / (1 + E) ** 2
    jacobians = [slopes[:, i - 1, None] * W_hh for i in range(t, k, -1)]
    return reduce(np.matmul, jacobians, np.eye(n))
