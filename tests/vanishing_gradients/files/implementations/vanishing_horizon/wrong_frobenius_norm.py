"""The Frobenius norm instead of sigma_max.
hint: frobenius
severity: math
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh)
    if bound >= 1 - 1e-9:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
