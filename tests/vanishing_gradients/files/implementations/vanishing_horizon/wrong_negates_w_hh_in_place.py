"""Right count (sigma_max of -W is the same), but negates W_hh in place.
hint: mutates_input
severity: flaw
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    np.negative(W_hh, out=W_hh)
    bound = gamma * np.linalg.norm(W_hh, 2)
    if bound >= 1 - 1e-9:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
