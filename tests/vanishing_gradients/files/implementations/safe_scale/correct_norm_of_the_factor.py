"""The norm of the largest factor gamma W_hh, then its reciprocal, with math.
severity: correct
"""
import math

import numpy as np


def safe_scale(W_hh, gamma):
    largest_factor = np.linalg.norm(gamma * np.asarray(W_hh, dtype=np.float64), ord=2)
    return math.pow(largest_factor, -1)
