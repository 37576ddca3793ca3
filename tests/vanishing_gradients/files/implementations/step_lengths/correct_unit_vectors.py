"""Normalises both vectors first and takes their dot product; the by-norm step is learning_rate * min(||g||, max_norm).
severity: correct
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.hstack([np.asarray(a, dtype=np.float64).reshape(-1) for a in grads])
    norm = float(np.sqrt(g @ g))
    if norm == 0.0:
        return {"none": (0.0, 0.0), "by value": (0.0, 0.0), "by norm": (0.0, 0.0)}
    unit = g / norm
    by_value = np.clip(g, -clip_value, clip_value)
    value_size = float(np.sqrt(by_value @ by_value))
    return {
        "none": (learning_rate * norm, 1.0),
        "by value": (learning_rate * value_size, float(by_value / value_size @ unit)),
        "by norm": (learning_rate * float(min(norm, max_norm)), 1.0),
    }
