"""Adds the per-array norms (sum of norms) instead of taking the norm of all entries.
hint: wrong_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(sum(np.linalg.norm(a) for a in grads))
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], g
