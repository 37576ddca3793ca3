"""Eigenvalue 1/2 for gamma W, with the corner made large enough (huge for long horizons, still finite).
severity: correct
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    c = 4.0 * size / (steps * 0.5 ** (steps - 1))
    return np.array([[0.5 / gamma, c / gamma], [0.0, 0.5 / gamma]])
