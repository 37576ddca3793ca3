"""Writes log(b) as log1p(b - 1) and rounds up with -(-x // 1).
severity: correct
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh, ord=2)
    if bound >= 1.0 - 1e-9:
        return None
    ratio = math.log(tol) / math.log1p(bound - 1.0)
    return max(1, int(-(-ratio // 1)))
