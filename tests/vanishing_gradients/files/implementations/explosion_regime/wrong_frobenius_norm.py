"""The Frobenius norm instead of sigma_max for 'impossible'.
hint: frobenius
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh)
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if b <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if r > 1 + 1e-9 else "possible"
