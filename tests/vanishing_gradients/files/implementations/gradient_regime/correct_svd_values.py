"""Largest singular value from np.linalg.svd(compute_uv=False)[0], distance of the bound from 1 first.
severity: correct
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma_max = np.linalg.svd(np.asarray(W_hh, dtype=float), compute_uv=False)[0]
    distance = gamma * sigma_max - 1
    if abs(distance) <= 1e-9:
        return "at the threshold"
    if distance < 0:
        return "vanishing guaranteed"
    return "explosion possible"
