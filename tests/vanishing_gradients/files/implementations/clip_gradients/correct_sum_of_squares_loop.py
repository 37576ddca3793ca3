"""Sum of squares over each array, square root, then scaled copies (factor 1.0 when not clipping).
severity: correct
"""
import numpy as np


def clip_gradients(grads, max_norm):
    total = 0.0
    for a in grads:
        total += float(np.sum(np.square(a)))
    g = float(np.sqrt(total))
    factor = max_norm / g if g > max_norm else 1.0
    return [np.asarray(a, dtype=np.float64) * factor for a in grads], g
