"""Returns float64 copies of the gradients and max_norm as g.
severity: nothing
"""
import numpy as np


def clip_gradients(grads, max_norm):
    return [np.array(a, dtype=np.float64) for a in grads], float(max_norm)
