"""Ignores the gradients: learning_rate times each threshold, with cosine 1.
severity: nothing
"""


def step_lengths(grads, learning_rate, max_norm, clip_value):
    return {"none": (float(learning_rate), 1.0), "by value": (float(learning_rate * clip_value), 1.0),
            "by norm": (float(learning_rate * max_norm), 1.0)}
