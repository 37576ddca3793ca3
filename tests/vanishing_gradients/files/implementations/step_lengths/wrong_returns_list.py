"""Returns a Python list of the step lengths instead of an array.
hint: returns_wrong_type
severity: form
"""


def step_lengths(grad_norms, learning_rate, max_norm=None):
    steps = []
    for g in grad_norms:
        g = float(g)
        steps.append(learning_rate * (g if max_norm is None else min(g, max_norm)))
    return steps
