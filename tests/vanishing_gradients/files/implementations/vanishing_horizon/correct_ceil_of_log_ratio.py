"""math.ceil of log(tol) / log(b); None at or above the threshold.
severity: correct
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh, 2)
    if bound >= 1 - 1e-9:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
