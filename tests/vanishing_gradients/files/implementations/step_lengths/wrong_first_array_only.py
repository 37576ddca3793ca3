"""Works on the first array of the list only.
hint: first_array_only
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.ravel(np.asarray(grads[0], dtype=np.float64))
    norm = np.linalg.norm(g)
    applied = {
        "none": g,
        "by value": np.clip(g, -clip_value, clip_value),
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g / (size * norm)) if size > 0 else 0.0)
    return answer
