"""rho for 'impossible' and sigma_max for 'guaranteed at full slope': the two measures swapped.
hint: swapped
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if r <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if b > 1 + 1e-9 else "possible"
