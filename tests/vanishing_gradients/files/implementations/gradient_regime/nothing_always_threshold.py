"""Always answers "at the threshold".
severity: nothing
"""


def gradient_regime(W_hh, gamma):
    return "at the threshold"
