"""A 2x2 zero matrix.
severity: nothing
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.zeros((2, 2))
