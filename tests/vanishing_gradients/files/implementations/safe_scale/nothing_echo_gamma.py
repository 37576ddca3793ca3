"""Echoes gamma.
severity: nothing
"""

def safe_scale(W_hh, gamma):
    return float(gamma)
