"""Right formula, computed in float32: about 7 digits only.
hint: not_float64
severity: flaw
"""
import numpy as np


def safe_scale(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float32)
    return float(np.float32(1.0) / (np.float32(gamma) * np.linalg.norm(W, 2)))
