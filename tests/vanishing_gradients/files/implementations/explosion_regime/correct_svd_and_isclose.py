"""Singular values by svd; math.isclose puts a value within 1e-9 of 1 at 1.
severity: correct
"""
import math

import numpy as np


def explosion_regime(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float64)
    b = gamma * np.linalg.svd(W, compute_uv=False)[0]
    r = gamma * max(abs(complex(value)) for value in np.linalg.eigvals(W))
    if b < 1 or math.isclose(b, 1.0, rel_tol=0.0, abs_tol=1e-9):
        return "impossible"
    if r > 1 and not math.isclose(r, 1.0, rel_tol=0.0, abs_tol=1e-9):
        return "guaranteed at full slope"
    return "possible"
