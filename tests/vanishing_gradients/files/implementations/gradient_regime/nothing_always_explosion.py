"""Always answers "explosion possible".
severity: nothing
"""


def gradient_regime(W_hh, gamma):
    return "explosion possible"
