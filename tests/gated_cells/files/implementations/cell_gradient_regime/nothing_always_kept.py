"""Always "kept".
severity: nothing
"""


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    return "kept"
