"""Multiplies until the path is at most the tolerance (<= for <): one step short when f^s hits it exactly.
hint: threshold
severity: flaw
"""


def memory_steps(forget_gate, tolerance):
    path, steps = 1.0, 0
    while path > tolerance:
        path *= forget_gate
        steps += 1
    return steps
