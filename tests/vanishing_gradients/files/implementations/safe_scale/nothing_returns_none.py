"""The blank's placeholder answer, None.
severity: nothing
"""

def safe_scale(W_hh, gamma):
    return None
