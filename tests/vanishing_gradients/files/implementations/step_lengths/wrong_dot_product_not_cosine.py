"""Returns the dot product G . g, not divided by the two lengths.
hint: unnormalised
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    applied = {
        "none": g,
        "by value": np.clip(g, -clip_value, clip_value),
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g))
    return answer
