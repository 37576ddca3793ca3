"""Always "impossible".
severity: nothing
"""

def explosion_regime(W_hh, gamma):
    return "impossible"
