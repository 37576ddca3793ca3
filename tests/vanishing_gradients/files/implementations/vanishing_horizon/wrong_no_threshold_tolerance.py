"""Right count, but b >= 1 compared without tolerance: an orthogonal W_hh with tanh, whose sigma_max rounds below 1, gets a count of about 3e15.
hint: threshold
severity: flaw
"""
import math

import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.norm(W_hh, 2)
    if bound >= 1:
        return None
    return max(1, math.ceil(math.log(tol) / math.log(bound)))
