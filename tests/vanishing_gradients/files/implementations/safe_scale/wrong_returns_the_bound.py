"""Returns gamma sigma_max, the factor of the bound, not the scale that makes it 1.
hint: inverted_scale
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(gamma * np.linalg.norm(W_hh, 2))
