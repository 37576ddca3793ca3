"""The largest signed eigenvalue (its real part) as the growth rate at full slope, instead of the spectral radius.
hint: signed_max
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    r = gamma * np.max(np.linalg.eigvals(W_hh).real)
    if b <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if r > 1 + 1e-9 else "possible"
