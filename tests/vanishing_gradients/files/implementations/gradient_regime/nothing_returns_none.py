"""Returns None (a cell run without its body filled in).
severity: nothing
"""


def gradient_regime(W_hh, gamma):
    return None
