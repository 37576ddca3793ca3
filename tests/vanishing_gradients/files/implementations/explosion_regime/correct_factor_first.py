"""Works on the full-slope factor gamma W_hh itself: its norm and its eigenvalues.
severity: correct
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    factor = gamma * np.asarray(W_hh, dtype=np.float64)
    if np.linalg.norm(factor, 2) - 1 <= 1e-9:
        return "impossible"
    if np.abs(np.linalg.eigvals(factor)).max() - 1 > 1e-9:
        return "guaranteed at full slope"
    return "possible"
