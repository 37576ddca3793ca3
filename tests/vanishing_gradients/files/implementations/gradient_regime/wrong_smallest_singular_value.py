"""Takes the last entry of np.linalg.svd's singular values, which is the smallest (they are sorted descending).
hint: singular_value_order
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    s = np.linalg.svd(W_hh, compute_uv=False)
    return "vanishing guaranteed" if s[-1] < 1 / gamma else "explosion possible"
