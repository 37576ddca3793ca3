"""Returns 1/4, the maximum slope, everywhere.
severity: nothing
"""
import numpy as np


def sigmoid_gradient(x):
    return np.full(np.shape(x), 0.25)
