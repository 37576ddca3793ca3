"""Predicts the by-value step from ||g|| alone, as learning_rate * min(||g||, clip_value * sqrt(N)), with cosine 1.
hint: norm_alone
severity: math
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    g = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads])
    norm = float(np.linalg.norm(g))
    cosine = 1.0 if norm > 0 else 0.0
    return {
        "none": (learning_rate * norm, cosine),
        "by value": (learning_rate * min(norm, clip_value * np.sqrt(g.size)), cosine),
        "by norm": (learning_rate * min(norm, max_norm), cosine),
    }
