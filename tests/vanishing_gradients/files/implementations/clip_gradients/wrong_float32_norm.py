"""Computes the norm in float32: g comes back as np.float32 (not a Python/NumPy float64).
hint: not_float64
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    flat = np.concatenate([np.ravel(a) for a in grads]).astype(np.float32)
    g = np.linalg.norm(flat)
    factor = max_norm / float(g) if g > max_norm else 1.0
    return [a * factor for a in grads], g
