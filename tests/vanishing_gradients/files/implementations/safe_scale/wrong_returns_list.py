"""Returns the scale inside a list.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def safe_scale(W_hh, gamma):
    return [float(1.0 / (gamma * np.linalg.norm(W_hh, 2)))]
