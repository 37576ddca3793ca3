"""Norm from np.vdot(a, a); copies every array first, then scales the copies in place.
severity: correct
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.vdot(a, a) for a in grads)))
    clipped = [np.array(a, dtype=np.float64, copy=True) for a in grads]
    if g > max_norm:
        for c in clipped:
            c *= max_norm / g
    return clipped, g
