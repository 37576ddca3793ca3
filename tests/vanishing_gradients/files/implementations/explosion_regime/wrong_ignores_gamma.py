"""Leaves gamma out: compares sigma_max and rho with 1.
hint: ignores_gamma
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    sigma_max = np.linalg.norm(W_hh, 2)
    rho = np.max(np.abs(np.linalg.eigvals(W_hh)))
    if sigma_max <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if rho > 1 + 1e-9 else "possible"
