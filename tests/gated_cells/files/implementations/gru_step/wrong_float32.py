"""Right formula computed in float32.
hint: not_float64
severity: flaw
"""
import numpy as np


def gru_step(x, h_prev, W, U, b):
    x, h_prev = np.asarray(x, dtype=np.float32), np.asarray(h_prev, dtype=np.float32)
    W, U, b = (np.asarray(v, dtype=np.float32) for v in (W, U, b))
    n = h_prev.shape[-1]
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + b[:2 * n]
    e = np.exp(-np.abs(a))
    gates = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
    z, r = gates[..., :n], gates[..., n:]
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + b[2 * n:])
    return (1 - z) * h_prev + z * q
