"""Right labels, but multiplies W_hh by gamma in place (W_hh *= gamma) on the way.
hint: mutates_input
severity: flaw
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    W_hh *= gamma
    b = np.linalg.norm(W_hh, 2)
    r = np.max(np.abs(np.linalg.eigvals(W_hh)))
    if b <= 1 + 1e-9:
        return "impossible"
    return "guaranteed at full slope" if r > 1 + 1e-9 else "possible"
