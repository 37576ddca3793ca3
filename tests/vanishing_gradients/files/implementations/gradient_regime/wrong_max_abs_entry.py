"""Uses the largest absolute entry of W_hh as its "size".
hint: max_entry
severity: math
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    size = np.max(np.abs(W_hh))
    return "vanishing guaranteed" if size < 1 / gamma else "explosion possible"
