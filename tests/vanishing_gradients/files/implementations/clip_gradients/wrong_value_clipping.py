"""Clips every element to [-max_norm, max_norm] (np.clip) instead of rescaling by the norm.
hint: value_clipping
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    return [np.clip(a, -max_norm, max_norm) for a in grads], g
