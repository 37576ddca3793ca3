"""max() of all singular values from the full SVD (no assumption about their order)."""
import numpy as np


def gradient_regime(W_hh, gamma):
    _, singular_values, _ = np.linalg.svd(W_hh)
    threshold = 1 / gamma
    return "explosion possible" if max(singular_values) >= threshold else "vanishing guaranteed"
