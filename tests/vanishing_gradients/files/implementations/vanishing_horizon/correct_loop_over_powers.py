"""Counts the steps until b**s <= tol.
severity: correct
"""
import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    bound = gamma * np.linalg.svd(np.asarray(W_hh, dtype=np.float64), compute_uv=False)[0]
    if abs(bound - 1) <= 1e-9 or bound > 1:
        return None
    steps = 1
    while bound**steps > tol:
        steps += 1
    return steps
