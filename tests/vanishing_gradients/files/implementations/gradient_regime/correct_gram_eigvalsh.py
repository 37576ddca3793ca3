"""sigma_max = sqrt(largest eigenvalue of W^T W), with the symmetric solver eigvalsh; math.isclose for the threshold.
severity: correct
"""
import math

import numpy as np


def gradient_regime(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float64)
    sigma_max = np.sqrt(np.max(np.linalg.eigvalsh(W.T @ W)))
    bound = gamma * sigma_max
    if math.isclose(bound, 1.0, rel_tol=0.0, abs_tol=1e-9):
        return "at the threshold"
    return "vanishing guaranteed" if sigma_max < 1.0 / gamma else "explosion possible"
