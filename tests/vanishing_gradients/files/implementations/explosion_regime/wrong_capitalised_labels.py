"""Right rule, labels with a capital letter.
hint: wrong_string
severity: form
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if b <= 1 + 1e-9:
        return "Impossible"
    return "Guaranteed at full slope" if r > 1 + 1e-9 else "Possible"
