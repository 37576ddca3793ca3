"""Loops over every entry as Python floats with math.fsum and math.sqrt.
severity: correct
"""
import math

import numpy as np


def step_lengths(grads, learning_rate, max_norm, clip_value):
    entries = [float(v) for a in grads for v in np.ravel(a)]
    norm = math.sqrt(math.fsum(v * v for v in entries))
    factor = max_norm / norm if norm > max_norm else 1.0
    answer = {}
    for rule, clip in (("none", lambda v: v), ("by value", lambda v: max(-clip_value, min(clip_value, v))),
                       ("by norm", lambda v: v * factor)):
        clipped = [clip(v) for v in entries]
        size = math.sqrt(math.fsum(c * c for c in clipped))
        dot = math.fsum(c * v for c, v in zip(clipped, entries))
        answer[rule] = (learning_rate * size, dot / (size * norm) if size > 0 else 0.0)
    return answer
