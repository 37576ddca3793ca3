"""Writes the scaled arrays back into the caller's list (grads[i] = ...) and returns that list.
hint: mutates_input
severity: flaw
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.sqrt(sum(np.sum(a ** 2) for a in grads)))
    factor = max_norm / g if g > max_norm else 1.0
    for i in range(len(grads)):
        grads[i] = grads[i] * factor
    return grads, g
