"""sigma_max by np.linalg.norm(W, 2), rho by np.linalg.eigvals, a tolerance of 1e-9 on both.
severity: correct
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if b <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if r > 1 + 1e-9 else "possible"
