"""Right answer, but normalises W_hh in place (W_hh /= sigma_max) on the way: the caller's matrix changes.
hint: mutates_input
severity: flaw
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma_max = np.linalg.norm(W_hh, 2)
    W_hh /= sigma_max
    bound = gamma * sigma_max
    if abs(bound - 1) <= 1e-9:
        return "at the threshold"
    return "vanishing guaranteed" if bound < 1 else "explosion possible"
