"""1/gamma, the threshold of the text, whatever W_hh is.
severity: nothing
"""

def safe_scale(W_hh, gamma):
    return 1.0 / gamma
