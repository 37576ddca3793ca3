"""Scales the input arrays in place (a *= factor) and returns them.
hint: mutates_input
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    if g > max_norm:
        for a in grads:
            a *= max_norm / g
    return [a for a in grads], g
