"""Which assignment `make grade` grades: the one named, the only one built, or the one the
submissions' file names name; the notebooks that name none or another are said to."""

import pytest

from classroom import __main__ as make_grade
from classroom.intake import Staged


def staged(*inputs):
    return Staged("folder", "source", [{"stem": name.rsplit(".", 1)[0], "path": name, "input": name,
                                         "submission_id": "", "students": []} for name in inputs], [])


def test_the_only_built_assignment_needs_no_name():
    """With one bundle built, is it graded whatever the notebooks are called?"""
    chosen, lines = make_grade.choose_assignment("", ["alpha"], staged("alice.ipynb", "bob.ipynb"))
    assert chosen == "alpha" and "only one built" in lines[0]


def test_the_names_pick_the_assignment_and_those_naming_none_are_listed():
    """With several built, do the file names pick the one they name, listing those that name none?"""
    roster = staged("alpha.ipynb", "alpha_2026_01_01T10_00_00_000000.zip", "alphabet.ipynb", "hw.ipynb")
    chosen, lines = make_grade.choose_assignment("", ["alpha", "beta"], roster)
    assert chosen == "alpha" and "named by the submissions' file names" in lines[0]
    assert "alphabet.ipynb" in lines[1] and "hw.ipynb" in lines[1]  # alphabet: not alpha's name
    assert len(roster.submissions) == 4 and roster.not_graded == []


def test_a_named_assignment_sets_aside_the_notebooks_of_another():
    """Told the assignment, are notebooks whose names name another one not graded, with what to do?"""
    roster = staged("alice.ipynb", "sub/beta.ipynb")
    chosen, _ = make_grade.choose_assignment("alpha", ["alpha", "beta"], roster)
    assert chosen == "alpha" and [entry["input"] for entry in roster.submissions] == ["alice.ipynb"]
    assert [entry["input"] for entry in roster.not_graded] == ["sub/beta.ipynb"]
    assert "ASSIGNMENT=beta" in roster.not_graded[0]["reason"]


@pytest.mark.parametrize("inputs", [("alpha.ipynb", "beta.ipynb"), ("alice.ipynb",)])
def test_ambiguous_names_stop_with_what_to_do(inputs):
    """When the names name several assignments, or none while several are built, does it say how to name one?"""
    with pytest.raises(SystemExit, match="ASSIGNMENT=<name>"):
        make_grade.choose_assignment("", ["alpha", "beta"], staged(*inputs))


def test_a_named_assignment_must_be_built():
    """Is an ASSIGNMENT without a bundle refused with the command that builds it?"""
    with pytest.raises(SystemExit, match="make ASSIGNMENT=gamma"):
        make_grade.choose_assignment("gamma", ["alpha"], staged("alice.ipynb"))
