"""np.ceil of the ratio of np.log values, turned into an int.
severity: correct
"""
import numpy as np


def vanishing_horizon(W_hh, gamma, tol):
    W = np.asarray(W_hh, dtype=np.float64)
    bound = gamma * np.sqrt(np.max(np.linalg.eigvalsh(W.T @ W)))
    if not bound < 1 - 1e-9:
        return None
    return int(max(1.0, np.ceil(np.log(tol) / np.log(bound))))
