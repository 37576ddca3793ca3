"""1 / (gamma sigma_max) with sigma_max = np.linalg.norm(W_hh, 2).
severity: correct
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return float(1.0 / (gamma * np.linalg.norm(W_hh, 2)))
