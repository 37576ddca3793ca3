"""Rounds the ratio of logarithms to the nearest whole number.
hint: one_too_few
severity: math
"""
import math


def memory_steps(forget_gate, tolerance):
    return round(math.log(tolerance) / math.log(forget_gate))
