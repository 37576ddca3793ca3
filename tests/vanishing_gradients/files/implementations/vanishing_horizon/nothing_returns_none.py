"""Always None.
severity: nothing
"""

def vanishing_horizon(W_hh, gamma, tol):
    return None
