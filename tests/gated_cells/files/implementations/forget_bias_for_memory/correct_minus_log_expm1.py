"""logit(p) = -log(1/p - 1) = -log(expm1(-log p)), in numpy, returned as a float.
severity: correct
"""
import numpy as np


def forget_bias_for_memory(steps, tolerance):
    return float(-np.log(np.expm1(-np.log(tolerance) / steps)))
