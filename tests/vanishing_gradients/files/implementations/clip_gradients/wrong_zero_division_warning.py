"""Computes max_norm / g before checking: all-zero gradients divide by zero (RuntimeWarning).
hint: zero_division
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = np.sqrt(sum(np.sum(a ** 2) for a in grads))
    factor = np.minimum(1.0, max_norm / g)
    return [a * factor for a in grads], float(g)
