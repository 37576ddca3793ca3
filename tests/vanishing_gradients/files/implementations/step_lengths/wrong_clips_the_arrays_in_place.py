"""Right numbers, but clips the caller's arrays in place with np.clip(..., out=...).
hint: mutates_input
severity: flaw
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    for a in grads:
        np.clip(a, -clip_value, clip_value, out=a)
    applied = {
        "none": g,
        "by value": np.concatenate([np.ravel(a) for a in grads]),
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g / (size * norm)) if size > 0 else 0.0)
    return answer
