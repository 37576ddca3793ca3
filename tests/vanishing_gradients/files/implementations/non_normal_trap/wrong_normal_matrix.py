"""A diagonal (normal) W with eigenvalues just below 1/gamma: its product at full slope only shrinks.
hint: normal_matrix
severity: math
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.diag([0.99, 0.5]) / gamma
