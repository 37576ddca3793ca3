"""Corner c = 2 size / steps, forgetting the factor lam^(s-1) of the corner of (gamma W)^s.
hint: too_small
severity: math
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.array([[0.5, 2.0 * size / steps], [0.0, 0.5]]) / gamma
