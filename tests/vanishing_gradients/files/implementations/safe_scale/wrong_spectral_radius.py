"""The lecture's rule: 1 / (gamma rho) with the spectral radius instead of sigma_max.
hint: eigenvalue
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / (gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))))
