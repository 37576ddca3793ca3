"""The stub left as it was: returns None.
severity: nothing
"""


def gru_step(x, h_prev, W, U, b):
    return None
