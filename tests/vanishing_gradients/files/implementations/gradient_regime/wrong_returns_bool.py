"""Returns the comparison (a bool) instead of the label string.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    return np.linalg.norm(W_hh, 2) < 1 / gamma
