"""Triangular gamma W with eigenvalues 0.9 and 0.5: corner c (0.9^s - 0.5^s) / 0.4 of (gamma W)^s.
severity: correct
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    c = 3.0 * size * 0.4 / (0.9**steps - 0.5**steps)
    return np.array([[0.9, c], [0.0, 0.5]]) / gamma
