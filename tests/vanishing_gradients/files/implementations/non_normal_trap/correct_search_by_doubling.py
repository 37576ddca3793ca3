"""Doubles the corner of a triangular gamma W until its product at full slope exceeds size.
severity: correct
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    lam = steps / (steps + 1.0)
    corner = 1.0
    while True:
        factor = np.array([[lam, corner], [0.0, lam]])
        if np.linalg.norm(np.linalg.matrix_power(factor, steps), 2) > 1.5 * size:
            return factor / gamma
        corner *= 2.0
