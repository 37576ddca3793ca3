"""Compares sigma_max and rho with gamma instead of 1/gamma.
hint: compares_with_gamma
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    sigma_max = np.linalg.norm(W_hh, 2)
    rho = np.max(np.abs(np.linalg.eigvals(W_hh)))
    if sigma_max <= gamma:
        return "impossible"
    return "guaranteed at full slope" if rho > gamma else "possible"
