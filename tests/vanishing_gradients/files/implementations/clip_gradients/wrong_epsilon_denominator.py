"""Adds an epsilon "for safety": scales by max_norm / (g + 1e-6).
hint: epsilon
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    factor = max_norm / (g + 1e-6) if g > max_norm else 1.0
    return [a * factor for a in grads], g
