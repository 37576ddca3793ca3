"""Global norm as math.hypot of the per-array Frobenius norms (hypot(a, b) = sqrt(a^2 + b^2)).
severity: correct
"""
import math

import numpy as np


def clip_gradients(grads, max_norm):
    g = math.hypot(*(float(np.linalg.norm(np.ravel(a))) for a in grads))
    if g <= max_norm:
        return [np.copy(a).astype(np.float64) for a in grads], g
    return [a / g * max_norm for a in grads], g
