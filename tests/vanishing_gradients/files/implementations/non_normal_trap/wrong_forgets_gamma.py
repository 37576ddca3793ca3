"""Builds gamma W as if gamma were 1: at full slope every factor is gamma W, which is too small.
hint: forgets_gamma
severity: math
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    lam = 1.0 - 1.0 / (steps + 1)
    c = 2.0 * size / (steps * lam ** (steps - 1))
    return np.array([[lam, c], [0.0, lam]])
