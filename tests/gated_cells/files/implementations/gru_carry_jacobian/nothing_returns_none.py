"""The stub left as it was: returns None.
severity: nothing
"""


def gru_carry_jacobian(k, x, h0, W, U, b):
    return None
