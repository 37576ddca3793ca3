"""sigma' is even: e = exp(-|x|), e / (1 + e)**2, per element with math and np.vectorize.
severity: correct
"""
import math

import numpy as np


def sigmoid_gradient(x):
    def one(value):
        e = math.exp(-abs(value))
        return e / (1.0 + e) ** 2

    out = np.vectorize(one, otypes=[np.float64])(np.asarray(x, dtype=np.float64))
    return out[()] if out.ndim == 0 else out
