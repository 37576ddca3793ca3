"""Benchmarks of the grader against stock Otter-Grader (`make bench`), and the helpers
tests/test_otter_equivalence.py shares with them."""
