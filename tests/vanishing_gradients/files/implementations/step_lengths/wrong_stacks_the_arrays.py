"""Stacks the list with np.array, which fails for arrays of different shapes.
hint: stacks_arrays
severity: form
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.array(grads, dtype=np.float64).ravel()
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
