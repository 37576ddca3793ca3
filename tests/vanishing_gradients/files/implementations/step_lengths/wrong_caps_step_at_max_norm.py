"""Caps the by-norm step learning_rate * ||g|| at max_norm instead of the gradient's norm.
hint: caps_step
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = np.linalg.norm(g)
    clipped = np.clip(g, -clip_value, clip_value)
    size = np.linalg.norm(clipped)
    return {
        "none": (float(learning_rate * norm), 1.0 if norm > 0 else 0.0),
        "by value": (float(learning_rate * size), float(clipped @ g / (size * norm)) if size > 0 else 0.0),
        "by norm": (float(min(learning_rate * norm, max_norm)), 1.0 if norm > 0 else 0.0),
    }
