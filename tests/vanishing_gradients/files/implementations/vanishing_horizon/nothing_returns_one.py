"""Always 1 step.
severity: nothing
"""

def vanishing_horizon(W_hh, gamma, tol):
    return 1
