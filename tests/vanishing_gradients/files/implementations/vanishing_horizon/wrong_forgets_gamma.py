"""Counts with sigma_max alone: the slope bound gamma left out.
hint: forgets_gamma
severity: math
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = np.linalg.norm(W_hh, 2)
    if bound >= 1 - 1e-9:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
