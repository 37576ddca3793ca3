"""Right value (sigma_max of the transpose is the same), but transposes W_hh in place first.
hint: mutates_input
severity: flaw
"""
import numpy as np


def safe_scale(W_hh, gamma):
    W_hh[...] = W_hh.T
    return float(1.0 / (gamma * np.linalg.norm(W_hh, 2)))
