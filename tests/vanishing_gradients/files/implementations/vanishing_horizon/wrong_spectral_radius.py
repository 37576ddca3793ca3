"""Decides and counts with the spectral radius instead of sigma_max.
hint: eigenvalue
severity: math
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if bound >= 1 - 1e-9:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
