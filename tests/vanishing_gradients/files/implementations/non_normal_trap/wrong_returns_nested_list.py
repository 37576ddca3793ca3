"""Returns the matrix as a list of lists.
hint: returns_wrong_type
severity: form
"""

def non_normal_trap(gamma, size, steps):
    lam = 1.0 - 1.0 / (steps + 1)
    c = 2.0 * size / (steps * lam ** (steps - 1))
    return [[lam / gamma, c / gamma], [0.0, lam / gamma]]
