"""Clips every array by its own norm (per-array clipping), not by the global norm.
hint: per_array_norm
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    clipped = []
    for a in grads:
        norm = np.linalg.norm(a)
        clipped.append(a * (max_norm / norm) if norm > max_norm else a.copy())
    return clipped, g
