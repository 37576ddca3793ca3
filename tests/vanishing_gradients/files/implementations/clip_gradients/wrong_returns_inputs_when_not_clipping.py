"""Returns the input arrays themselves when no clipping is needed (outputs alias inputs).
hint: aliasing
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    if g <= max_norm:
        return list(grads), g
    return [a * (max_norm / g) for a in grads], g
