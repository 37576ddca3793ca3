"""Scales the whole gradient so that its largest entry is clip_value, instead of clipping entry by entry.
hint: value_as_scaling
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    applied = {
        "none": g,
        "by value": g * min(1.0, clip_value / np.max(np.abs(g))) if np.any(g) else g,
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g / (size * norm)) if size > 0 else 0.0)
    return answer
