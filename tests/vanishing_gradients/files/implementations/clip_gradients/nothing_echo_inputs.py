"""Returns the gradients themselves and g = 0.0.
severity: nothing
"""


def clip_gradients(grads, max_norm):
    return grads, 0.0
