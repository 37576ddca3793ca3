"""Always "possible", the text's verdict on its non-normal example.
severity: nothing
"""

def explosion_regime(W_hh, gamma):
    return "possible"
