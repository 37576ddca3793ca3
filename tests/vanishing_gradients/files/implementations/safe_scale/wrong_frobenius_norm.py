"""The Frobenius norm instead of the largest singular value.
hint: frobenius
severity: math
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / (gamma * np.linalg.norm(W_hh)))
