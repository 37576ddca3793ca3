"""Clips each array by its own norm instead of the global norm.
hint: per_array_norm
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    arrays = [np.ravel(np.asarray(a, dtype=np.float64)) for a in grads]
    g = np.concatenate(arrays)
    norm = np.linalg.norm(g)
    per_array = [a * (max_norm / np.linalg.norm(a)) if np.linalg.norm(a) > max_norm else a for a in arrays]
    applied = {"none": g, "by value": np.clip(g, -clip_value, clip_value), "by norm": np.concatenate(per_array)}
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g / (size * norm)) if size > 0 else 0.0)
    return answer
