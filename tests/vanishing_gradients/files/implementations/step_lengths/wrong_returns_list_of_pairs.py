"""Returns a list of the three (length, cosine) pairs instead of a dict.
hint: returns_wrong_type
severity: form
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    answer = []
    for G in (g, np.clip(g, -clip_value, clip_value), g * (max_norm / norm) if norm > max_norm else g):
        size = np.linalg.norm(G)
        answer.append((float(learning_rate * size), float(G @ g / (size * norm)) if size > 0 else 0.0))
    return answer
