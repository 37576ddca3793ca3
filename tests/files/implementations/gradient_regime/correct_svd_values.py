"""Largest singular value from np.linalg.svd(compute_uv=False)[0]."""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma_max = np.linalg.svd(np.asarray(W_hh, dtype=float), compute_uv=False)[0]
    if sigma_max < 1 / gamma:
        return "vanishing guaranteed"
    return "explosion possible"
