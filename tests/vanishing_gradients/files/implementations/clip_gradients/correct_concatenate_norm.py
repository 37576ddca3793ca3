"""np.linalg.norm of all entries raveled and concatenated into one vector.
severity: correct
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.linalg.norm(np.concatenate([np.ravel(a) for a in grads])))
    if g > max_norm:
        return [a * (max_norm / g) for a in grads], g
    return [np.array(a, dtype=float) for a in grads], g
