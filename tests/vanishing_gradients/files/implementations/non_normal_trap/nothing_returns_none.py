"""The blank's placeholder answer, None.
severity: nothing
"""

def non_normal_trap(gamma, size, steps):
    return None
