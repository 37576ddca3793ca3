"""np.linalg.norm(W_hh) without ord: the Frobenius norm, not sigma_max.
hint: frobenius
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma = np.linalg.norm(W_hh)
    return "vanishing guaranteed" if sigma < 1 / gamma else "explosion possible"
