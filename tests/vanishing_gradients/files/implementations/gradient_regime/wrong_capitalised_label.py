"""Right rule, but returns capitalised labels ("Vanishing guaranteed") that do not match the contract.
hint: wrong_string
severity: form
"""
import numpy as np


def gradient_regime(W_hh, gamma):
    sigma = np.linalg.norm(W_hh, 2)
    return "Vanishing guaranteed" if sigma < 1 / gamma else "Explosion possible"
