"""The identity divided by gamma: every factor is the identity.
severity: nothing
"""
import numpy as np


def non_normal_trap(gamma, size, steps):
    return np.eye(2) / gamma
