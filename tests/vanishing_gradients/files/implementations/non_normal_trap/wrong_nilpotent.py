"""A nilpotent W: it grows past size in one step, but its square is 0.
hint: nilpotent
severity: math
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.array([[0.0, 2.0 * size], [0.0, 0.0]]) / gamma
