"""Returns None (a cell run without its body filled in).
severity: nothing
"""


def prod(k, W_hh, W_hx, b_h, h, x):
    return None
