"""Returns its input x unchanged.
severity: nothing
"""


def sigmoid_gradient(x):
    return x
