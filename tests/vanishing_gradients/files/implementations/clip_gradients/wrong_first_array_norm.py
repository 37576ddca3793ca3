"""Uses the norm of the first array only (e.g. the weights, forgetting the biases).
hint: first_array_only
severity: math
"""
import numpy as np


def clip_gradients(grads, max_norm):
    g = float(np.linalg.norm(grads[0]))
    factor = max_norm / g if g > max_norm else 1.0
    return [a * factor for a in grads], g
