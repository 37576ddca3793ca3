"""Largest real part of the eigenvalues (signed), ignoring negative and complex eigenvalues' size.
hint: signed_max
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    lam = np.max(np.linalg.eigvals(W_hh).real)
    return "vanishing guaranteed" if lam < 1 / gamma else "explosion possible"
