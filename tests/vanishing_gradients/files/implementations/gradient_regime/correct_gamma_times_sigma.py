"""Bound factor gamma * sigma_max compared with 1 (threshold within 1e-9), as the notebook states it.
severity: correct
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    bound_factor = gamma * np.linalg.norm(W_hh, ord=2)
    if abs(bound_factor - 1) <= 1e-9:
        return "at the threshold"
    return "vanishing guaranteed" if bound_factor < 1 else "explosion possible"
