"""np.linalg.norm(a, 2) per array: for a matrix that is the spectral norm, not the L2 norm of its entries.
hint: wrong_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.linalg.norm(a, 2) ** 2 for a in grads)))
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], g
