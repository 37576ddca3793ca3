"""A Jordan block with eigenvalue exactly 1/gamma: its product grows, but the eigenvalue rule does not call it safe.
hint: eigenvalue_at_threshold
severity: math
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.array([[1.0, 2.0 * size / steps], [0.0, 1.0]]) / gamma
