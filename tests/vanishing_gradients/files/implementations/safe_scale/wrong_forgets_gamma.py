"""1 / sigma_max: the slope bound gamma left out.
hint: forgets_gamma
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / np.linalg.norm(W_hh, 2))
