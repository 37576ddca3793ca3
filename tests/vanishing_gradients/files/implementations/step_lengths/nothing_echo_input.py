"""Returns its argument grad_norms unchanged.
severity: nothing
"""


def step_lengths(grad_norms, learning_rate, max_norm=None):
    return grad_norms
