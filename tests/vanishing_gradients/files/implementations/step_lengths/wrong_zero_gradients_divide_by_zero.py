"""Divides by the norms without a check: all-zero gradients give 0 / 0 and a warning.
hint: zero_division
severity: flaw
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    applied = {
        "none": g,
        "by value": np.clip(g, -clip_value, clip_value),
        "by norm": g * min(1.0, max_norm / norm),
    }
    answer = {}
    for rule, G in applied.items():
        size = np.linalg.norm(G)
        answer[rule] = (float(learning_rate * size), float(G @ g / (size * norm)))
    return answer
