"""Scales by g / max_norm (inverted ratio) when clipping.
hint: inverted_factor
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    factor = g / max_norm if g > max_norm else 1.0
    return [a * factor for a in grads], g
