"""sigma_max = sqrt(largest eigenvalue of W^T W), with the symmetric solver eigvalsh."""
import numpy as np


def gradient_regime(W_hh, gamma):
    W = np.asarray(W_hh, dtype=np.float64)
    sigma_max = np.sqrt(np.max(np.linalg.eigvalsh(W.T @ W)))
    return "vanishing guaranteed" if sigma_max < 1.0 / gamma else "explosion possible"
