"""Right value, returned as a one-element array.
hint: scalar_shape
severity: flaw
"""
import numpy as np


def forget_bias_for_memory(steps, tolerance):
    log_gate = np.log(np.array([tolerance])) / steps
    return log_gate - np.log(-np.expm1(log_gate))
