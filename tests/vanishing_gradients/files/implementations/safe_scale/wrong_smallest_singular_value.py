"""Takes the last value of np.linalg.svd, the smallest singular value.
hint: singular_value_order
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / (gamma * np.linalg.svd(W_hh, compute_uv=False)[-1]))
