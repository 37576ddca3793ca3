"""Returns a lazy map object instead of a list of arrays.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    factor = max_norm / g if g > max_norm else 1.0
    return map(lambda a: a * factor, grads), g
