"""Uses <= : sigma_max exactly 1/gamma is classified as vanishing guaranteed.
hint: boundary
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma = np.linalg.norm(W_hh, 2)
    return "vanishing guaranteed" if sigma <= 1 / gamma else "explosion possible"
