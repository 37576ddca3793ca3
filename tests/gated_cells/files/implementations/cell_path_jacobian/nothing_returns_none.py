"""The unfilled blank: returns None.
severity: nothing
"""
import numpy as np


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    return None
