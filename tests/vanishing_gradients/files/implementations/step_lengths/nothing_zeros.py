"""The right type only: zero lengths and cosines for every rule.
severity: nothing
"""


def step_lengths(grads, learning_rate, max_norm, clip_value):
    return {"none": (0.0, 0.0), "by value": (0.0, 0.0), "by norm": (0.0, 0.0)}
