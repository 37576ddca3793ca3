"""Right rule, compared without tolerance: rounding decides orthogonal W_hh with tanh and eigenvalues at 1/gamma.
hint: threshold
severity: flaw
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    r = gamma * np.max(np.abs(np.linalg.eigvals(W_hh)))
    if b <= 1:
        return "impossible"
    return "guaranteed at full slope" if r > 1 else "possible"
