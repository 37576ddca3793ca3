"""Stable formula but with math.exp/abs: works for Python scalars only, fails on arrays.
hint: math_on_array
severity: form
"""
import math


def sigmoid_gradient(x):
    e = math.exp(-abs(x))
    return e / (1 + e) ** 2
