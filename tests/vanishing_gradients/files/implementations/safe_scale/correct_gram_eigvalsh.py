"""sigma_max = sqrt(largest eigenvalue of W^T W), by the symmetric solver eigvalsh.
severity: correct
"""
import numpy as np


def safe_scale(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float64)
    return float(1.0 / (gamma * np.sqrt(np.linalg.eigvalsh(W.T @ W)[-1])))
