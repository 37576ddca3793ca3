"""The lecture's rule: the spectral radius decides 'impossible' too.
hint: eigenvalue
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if r <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope"
