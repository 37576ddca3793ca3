"""sigma_max^2 as the largest eigenvalue of W^T W (eigvalsh); labels from a table.
severity: correct
"""
import numpy as np


def explosion_regime(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float64)
    b = gamma * np.sqrt(np.linalg.eigvalsh(W.T @ W).max())
    r = gamma * np.abs(np.linalg.eigvals(W)).max()
    labels = {(True, False): "impossible", (False, True): "guaranteed at full slope", (False, False): "possible"}
    return labels[(bool(b <= 1 + 1e-9), bool(r > 1 + 1e-9))]
