"""np.linalg.norm(W_hh, 1): the maximum column sum, not the largest singular value.
hint: wrong_norm
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    size = np.linalg.norm(W_hh, 1)
    return "vanishing guaranteed" if size < 1 / gamma else "explosion possible"
