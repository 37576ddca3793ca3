"""Forgets the square root: uses (and returns) the sum of squares as the norm.
hint: squared_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(sum(np.sum(a ** 2) for a in grads))
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], g
