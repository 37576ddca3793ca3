"""Works on a 2-d batch always (vectors become one row) and gives the states h_prev's shape.
severity: correct
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    n = U.shape[1]
    x2, h2, c2 = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (x, h_prev, c_prev))
    a = x2 @ W.T + h2 @ U.T + b
    blocks = np.split(a, 4, axis=1)
    f, i, o = (0.5 * (1 + np.tanh(blocks[q] / 2)) for q in (0, 1, 3))
    g = np.tanh(blocks[2])
    c = f * c2 + i * g
    h = o * np.tanh(c)
    return h.reshape(np.shape(h_prev)), c.reshape(np.shape(h_prev))
