"""Isolated grader for Otter exception-format tests; writes Gradescope results.

Runs on Python 3.10+ with numpy only: this package is shipped in the Gradescope bundle.
"""
