"""Gates computed from h0 at every step: the state is never run forward.
hint: frozen_state
severity: math
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    def sigmoid(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    n = len(h0)
    h0 = np.asarray(h0, dtype=np.float64)
    carry = np.ones(n)
    for x_j in np.asarray(x, dtype=np.float64)[k:]:
        carry = carry * (1 - sigmoid(W[:n] @ x_j + U[:n] @ h0 + b[:n]))
    return np.diag(carry)
