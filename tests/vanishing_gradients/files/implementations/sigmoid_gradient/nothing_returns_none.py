"""Returns None (a cell run without its body filled in).
severity: nothing
"""


def sigmoid_gradient(x):
    return None
