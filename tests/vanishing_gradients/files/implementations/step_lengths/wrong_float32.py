"""Computes in float32: the numbers come back as float32, right to about 1e-7 only.
hint: not_float64
severity: flaw
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float32)) for a in grads])
    norm = np.linalg.norm(g)
    applied = {
        "none": g,
        "by value": np.clip(g, -clip_value, clip_value),
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (np.float32(learning_rate) * size, G @ g / (size * norm) if size > 0 else np.float32(0.0))
    return answer
