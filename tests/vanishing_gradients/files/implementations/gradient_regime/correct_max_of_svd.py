"""max() of all singular values from the full SVD (no assumption about their order); explosion tested first.
severity: correct
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    _, singular_values, _ = np.linalg.svd(W_hh)
    bound = gamma * max(singular_values)
    if bound > 1 + 1e-9:
        return "explosion possible"
    if bound < 1 - 1e-9:
        return "vanishing guaranteed"
    return "at the threshold"
