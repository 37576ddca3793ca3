"""Takes sigma_max > 1/gamma as sufficient: never answers 'possible'.
hint: necessary_not_sufficient
severity: math
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    b = gamma * np.linalg.norm(W_hh, 2)
    return "impossible" if b <= 1 + 1e-9 else "guaranteed at full slope"
