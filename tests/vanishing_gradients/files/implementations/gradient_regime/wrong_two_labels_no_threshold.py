"""Right measure (sigma_max), but only two answers: a bound of exactly 1 is called "explosion possible".
hint: threshold
severity: flaw
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma_max = np.linalg.norm(W_hh, 2)
    return "vanishing guaranteed" if sigma_max < 1 / gamma else "explosion possible"
