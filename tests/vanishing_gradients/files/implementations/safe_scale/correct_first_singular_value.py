"""sigma_max as the first value of np.linalg.svd (decreasing order).
severity: correct
"""
import numpy as np


def safe_scale(W_hh, gamma):
    singular_values = np.linalg.svd(np.asarray(W_hh, dtype=np.float64), compute_uv=False)
    return 1.0 / (gamma * singular_values[0])
