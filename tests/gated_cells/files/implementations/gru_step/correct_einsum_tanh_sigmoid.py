"""einsum for the products, sigmoid(a) = (1 + tanh(a / 2)) / 2 (never overflows).
severity: correct
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    W_z, W_r, W_q = np.split(np.asarray(W, dtype=np.float64), 3)
    U_z, U_r, U_q = np.split(np.asarray(U, dtype=np.float64), 3)
    b_z, b_r, b_q = np.split(np.asarray(b, dtype=np.float64), 3)
    z = 0.5 * (1 + np.tanh(0.5 * (np.einsum("im,...m->...i", W_z, x) + np.einsum("ij,...j->...i", U_z, h_prev) + b_z)))
    r = 0.5 * (1 + np.tanh(0.5 * (np.einsum("im,...m->...i", W_r, x) + np.einsum("ij,...j->...i", U_r, h_prev) + b_r)))
    q = np.tanh(np.einsum("im,...m->...i", W_q, x) + np.einsum("ij,...j->...i", U_q, r * h_prev) + b_q)
    return h_prev + z * (q - h_prev)
