"""Clips by value with np.where and measures with np.vdot, array by array after a copy.
severity: correct
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.array(a, dtype=np.float64).ravel() for a in grads])
    norm = np.sqrt(np.vdot(g, g))
    by_value = np.where(np.abs(g) > clip_value, np.sign(g) * clip_value, g)
    by_norm = g * min(1.0, max_norm / norm) if norm > 0 else g
    answer = {}
    for rule, G in (("none", g), ("by value", by_value), ("by norm", by_norm)):
        size = np.sqrt(np.vdot(G, G))
        cosine = np.vdot(G, g) / (size * norm) if size > 0 else 0.0
        answer[rule] = (float(learning_rate * size), float(cosine))
    return answer
