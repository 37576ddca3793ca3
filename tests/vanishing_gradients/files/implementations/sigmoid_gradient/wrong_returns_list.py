"""Loops over the flattened input and returns a Python list.
hint: returns_wrong_type
severity: form
"""
import math

import numpy as np


def sigmoid_gradient(x):
    result = []
    for value in np.ravel(x):
        e = math.exp(-abs(float(value)))
        result.append(e / (1 + e) ** 2)
    return result
