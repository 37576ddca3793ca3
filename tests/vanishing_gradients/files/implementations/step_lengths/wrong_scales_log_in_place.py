"""np.asarray keeps a float64 log itself: scaling and capping it in place modifies grad_norms.
hint: mutates_input
severity: flaw
"""
import numpy as np


def step_lengths(grad_norms, learning_rate, max_norm=None):
    steps = np.asarray(grad_norms, dtype=np.float64)
    steps *= learning_rate
    if max_norm is not None:
        np.minimum(steps, learning_rate * max_norm, out=steps)
    return steps
