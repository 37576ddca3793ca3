"""Always rescales to norm max_norm, also scaling small gradients up.
hint: always_scales
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    factor = max_norm / g if g > 0 else 1.0
    return [a * factor for a in grads], g
