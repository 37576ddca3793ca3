"""Always answers "vanishing guaranteed".
severity: nothing
"""


def gradient_regime(W_hh, gamma):
    return "vanishing guaranteed"
