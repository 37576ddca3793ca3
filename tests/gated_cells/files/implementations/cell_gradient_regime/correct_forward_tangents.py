"""Forward-mode: carries the tangents dh_j/dc_k and dc_j/dc_k (from 0 and I at step k) through each step.
severity: correct
"""
import numpy as np


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    def sigmoid(a):
        return np.exp(-np.logaddexp(0.0, -a))

    n = len(h0)
    h, c = np.asarray(h0, dtype=np.float64), np.asarray(c0, dtype=np.float64)
    tangent_h, tangent_c = np.zeros((n, n)), np.eye(n)
    for j in range(1, len(x) + 1):
        a = W @ x[j - 1] + U @ h + b
        f, i, g, o = sigmoid(a[:n]), sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), sigmoid(a[3 * n:])
        c_new = f * c + i * g
        if j > k:
            da = U @ tangent_h  # how the pre-activations move
            slope = np.concatenate([f * (1 - f), i * (1 - i), 1 - g ** 2, o * (1 - o)])[:, None] * da
            new_c = f[:, None] * tangent_c + c[:, None] * slope[:n] + g[:, None] * slope[n:2 * n] \
                + i[:, None] * slope[2 * n:3 * n]
            tangent_h = np.tanh(c_new)[:, None] * slope[3 * n:] + (o * (1 - np.tanh(c_new) ** 2))[:, None] * new_c
            tangent_c = new_c
        h, c = o * np.tanh(c_new), c_new
    size = np.linalg.svd(tangent_c, compute_uv=False)[0]
    return "vanishing" if size < tolerance else "exploding" if size * tolerance > 1 else "kept"
