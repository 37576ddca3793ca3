"""Never concatenates: sums squares and dot products array by array.
severity: correct
"""
import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    arrays = [np.asarray(a, dtype=np.float64) for a in grads]
    norm = np.sqrt(sum(np.sum(a * a) for a in arrays))
    factor = max_norm / norm if norm > max_norm else 1.0
    rules = {
        "none": arrays,
        "by value": [np.clip(a, -clip_value, clip_value) for a in arrays],
        "by norm": [a * factor for a in arrays],
    }
    answer = {}
    for rule, clipped in rules.items():
        size = np.sqrt(sum(np.sum(c * c) for c in clipped))
        dot = sum(np.sum(c * a) for c, a in zip(clipped, arrays))
        answer[rule] = (float(learning_rate * size), float(dot / (size * norm)) if size > 0 else 0.0)
    return answer
