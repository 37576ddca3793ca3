"""Bound factor gamma * sigma_max < 1 (same condition, multiplied through by gamma > 0)."""
import numpy as np


def gradient_regime(W_hh, gamma):
    bound_factor = gamma * np.linalg.norm(W_hh, ord=2)
    return "vanishing guaranteed" if bound_factor < 1 else "explosion possible"
