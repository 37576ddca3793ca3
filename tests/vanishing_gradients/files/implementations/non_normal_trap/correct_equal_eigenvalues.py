"""gamma W = [[lam, c], [0, lam]] with lam = 1 - 1/(steps + 1) and the corner s c lam^(s-1) = 2 size.
severity: correct
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    lam = 1.0 - 1.0 / (steps + 1)
    c = 2.0 * size / (steps * lam ** (steps - 1))
    return np.array([[lam, c], [0.0, lam]]) / gamma
