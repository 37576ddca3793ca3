"""Returns None (a cell run without its body filled in).
severity: nothing
"""


def clip_gradients(grads, max_norm):
    return None
