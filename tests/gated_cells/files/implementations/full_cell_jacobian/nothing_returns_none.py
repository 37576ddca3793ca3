"""The unfilled blank: returns None.
severity: nothing
"""
import numpy as np


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    return None
