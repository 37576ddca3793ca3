"""Rounds the ratio of logarithms down (int() truncates), one step too few.
hint: step_too_few
severity: math
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh, 2)
    if bound >= 1 - 1e-9:
        return None
    return max(1, int(math.log(tol) / math.log(bound)))
