"""Golden folders: do the notebook and test-file transformations give the reviewed output?"""

import pytest

from .goldens import CASES, GOLDENS, outputs


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_case_matches(case):
    """Does each transformation still produce exactly the reviewed output (make goldens)?"""
    for name, text in outputs(case).items():
        expected = (GOLDENS / case / name).read_text()
        assert text == expected, f"{case}/{name} changed: run `make goldens` and review the diff"
