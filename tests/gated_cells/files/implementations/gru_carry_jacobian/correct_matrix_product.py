"""Stores the states, then multiplies diagonal matrices from np.eye(n), J_t first; 1 - z as sigmoid(-a).
severity: correct
"""
import numpy as np


def gru_carry_jacobian(k, x, h0, W, U, b):
    def sigmoid(a):
        return np.exp(-np.logaddexp(0.0, -a))

    n = len(h0)
    states = [np.asarray(h0, dtype=np.float64)]
    keeps = []
    for x_j in x:
        h = states[-1]
        a_z = W[:n] @ x_j + U[:n] @ h + b[:n]
        z, r = sigmoid(a_z), sigmoid(W[n:2 * n] @ x_j + U[n:2 * n] @ h + b[n:2 * n])
        q = np.tanh(W[2 * n:] @ x_j + U[2 * n:] @ (r * h) + b[2 * n:])
        keeps.append(sigmoid(-a_z))
        states.append((1 - z) * h + z * q)
    product = np.eye(n)
    for j in range(len(x), k, -1):
        product = product @ np.diag(keeps[j - 1])
    return product
