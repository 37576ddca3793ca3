"""Compares sigma_max with gamma instead of with 1/gamma.
hint: threshold
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma = np.linalg.norm(W_hh, 2)
    return "vanishing guaranteed" if sigma < gamma else "explosion possible"
