"""Returns 0 instead of None when the bound never falls below 1.
hint: returns_wrong_type
severity: form
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh, 2)
    if bound >= 1 - 1e-9:
        return 0
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
