"""The unfilled blank: returns None.
severity: nothing
"""
import numpy as np


def lstm_step(x, h_prev, c_prev, W, U, b):
    return None
