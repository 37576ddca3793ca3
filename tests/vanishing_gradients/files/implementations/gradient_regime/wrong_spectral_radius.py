"""Seed lecture rule: largest eigenvalue modulus (spectral radius) instead of the largest singular value.
hint: eigenvalue
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    rho = np.max(np.abs(np.linalg.eigvals(W_hh)))
    return "vanishing guaranteed" if rho < 1 / gamma else "explosion possible"
