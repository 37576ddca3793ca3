"""Uses the largest absolute entry (infinity norm) instead of the L2 norm.
hint: wrong_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(max(np.max(np.abs(a)) for a in grads))
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], g
