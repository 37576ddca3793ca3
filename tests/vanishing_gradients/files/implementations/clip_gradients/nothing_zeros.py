"""Returns zero arrays of the right shapes and g = 0.0: the right types, no mathematics.
severity: nothing
"""
import numpy as np


def clip_gradients(grads, max_norm):
    return [np.zeros(np.shape(a)) for a in grads], 0.0
