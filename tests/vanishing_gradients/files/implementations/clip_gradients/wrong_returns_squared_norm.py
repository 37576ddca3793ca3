"""Clips correctly but returns the sum of squares instead of the norm g.
hint: squared_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    total = float(sum(np.sum(a ** 2) for a in grads))
    g = np.sqrt(total)
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], total
