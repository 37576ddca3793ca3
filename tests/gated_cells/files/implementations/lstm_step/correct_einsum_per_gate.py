"""Each gate from its own block of W, U and b with einsum; the sigmoid from logaddexp.
severity: correct
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    n = U.shape[1]

    def gate(q):
        return (np.einsum("...m,km->...k", np.asarray(x, dtype=np.float64), W[q * n:(q + 1) * n])
                + np.einsum("...j,kj->...k", np.asarray(h_prev, dtype=np.float64), U[q * n:(q + 1) * n])
                + b[q * n:(q + 1) * n])

    def sigmoid(a):
        return np.exp(-np.logaddexp(0.0, -a))

    f, i, g, o = sigmoid(gate(0)), sigmoid(gate(1)), np.tanh(gate(2)), sigmoid(gate(3))
    c = f * c_prev + i * g
    return o * np.tanh(c), c
