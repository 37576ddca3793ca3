"""A numpy float64 scalar: np.log(p) - np.log(-np.expm1(np.log(tolerance) / steps)).
severity: correct
"""
import numpy as np


def forget_bias_for_memory(steps, tolerance):
    log_gate = np.log(np.float64(tolerance)) / steps
    return log_gate - np.log(-np.expm1(log_gate))
