"""Reference solution of the tiny assignment."""

import numpy as np


def double(x):
    return 2.0 * np.asarray(x, dtype=float)
