"""np.linalg.norm(W_hh, 1), the largest column sum of |entries|, instead of the largest singular value.
hint: wrong_norm
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / (gamma * np.linalg.norm(W_hh, 1)))
