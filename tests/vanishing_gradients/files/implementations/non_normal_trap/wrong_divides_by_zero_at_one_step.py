"""Right construction with lam = 1 - 1/steps, written with a division by lam: at steps = 1 lam is 0.
hint: one_step
severity: flaw
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    lam = 1.0 - 1.0 / steps if steps > 1 else 0.0
    c = 2.0 * size * lam / (steps * lam**steps)
    return np.array([[lam, c], [0.0, lam]]) / gamma
