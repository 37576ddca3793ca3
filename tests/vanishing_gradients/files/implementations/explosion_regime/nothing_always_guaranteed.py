"""Always "guaranteed at full slope".
severity: nothing
"""

def explosion_regime(W_hh, gamma):
    return "guaranteed at full slope"
