"""Exactly rounded sum of squares with math.fsum, math.sqrt for the norm.
severity: correct
"""
import math

import numpy as np


def clip_gradients(grads, max_norm):
    g = math.sqrt(math.fsum(float(v) * float(v) for a in grads for v in np.ravel(a)))
    scale = max_norm / g if g > max_norm else 1.0
    return [np.multiply(a, scale, dtype=np.float64) for a in grads], g
