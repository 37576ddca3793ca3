"""The blank's placeholder answer, None.
severity: nothing
"""

def explosion_regime(W_hh, gamma):
    return None
