"""Returns whether explosion is possible at all (a bool) instead of a label.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    return bool(gamma * np.linalg.norm(W_hh, 2) > 1 + 1e-9)
