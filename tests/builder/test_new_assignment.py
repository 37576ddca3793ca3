"""A new assignment costs a folder: the toolkit builds and grades a throwaway course
(tests/files/course/, one tiny assignment in the repository's shape) without any toolkit file
naming it."""

import json
import subprocess
import sys
import zipfile

import nbformat
import pytest

from builder import config

from ..conftest import REPO, make_grade

COURSE = REPO / "tests" / "files" / "course"
NAME = "tiny"


@pytest.fixture(scope="module")
def tiny_dist(tmp_path_factory):
    """The tiny course built by the builder's command line, solution executed."""
    dist = tmp_path_factory.mktemp("tiny-dist")
    completed = subprocess.run([sys.executable, "-m", "builder", "--root", str(COURSE), "--dist", str(dist)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return dist


def test_the_course_root_is_an_argument():
    """Does the builder find the fixture's assignment from its root alone, and the repository's without it?"""
    assert config.discover(COURSE) == [NAME]
    assert NAME not in config.discover(REPO)


@pytest.mark.slow
def test_a_tiny_assignment_builds_its_four_artifacts(tiny_dist):
    """Does it get the same four artifacts as every assignment, under its own name, and a guide?"""
    for relative in (f"student/{NAME}/{NAME}.ipynb", f"student/{NAME}.zip", f"solutions/{NAME}.ipynb",
                     f"autograder/{NAME}-autograder.zip", f"solutions/{NAME}_INSTRUCTOR_GUIDE.md"):
        assert (tiny_dist / relative).is_file(), relative
    with zipfile.ZipFile(tiny_dist / "autograder" / f"{NAME}-autograder.zip") as bundle:
        names = bundle.namelist()
        assert json.loads(bundle.read("config.json"))["notebook"] == f"{NAME}.ipynb"
    assert {"tiny_reference.py", "tests/double.py", "grader/__main__.py"} <= set(names)
    public = (tiny_dist / "student" / NAME / "tests" / "double.py").read_text()
    assert "hidden=True" not in public and "public example" in public
    student = nbformat.read(tiny_dist / "student" / NAME / f"{NAME}.ipynb", as_version=4)
    assert any("# YOUR CODE HERE" in cell.source for cell in student.cells)


@pytest.mark.slow
def test_a_tiny_assignment_grades_its_solution_full_and_its_blank_zero(tiny_dist, tmp_path):
    """Does make grade, told the assignment, give the executed solution full marks and the blank 0?"""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "solution.ipynb").write_bytes((tiny_dist / "solutions" / f"{NAME}.ipynb").read_bytes())
    (submissions / "blank.ipynb").write_bytes((tiny_dist / "student" / NAME / f"{NAME}.ipynb").read_bytes())
    completed = make_grade(tiny_dist, submissions, tmp_path / "out", assignment=NAME)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    scores = {stem: json.loads((tmp_path / "out" / f"{stem}.json").read_text())["score"]
              for stem in ("solution", "blank")}
    assert scores == {"solution": 2, "blank": 0}
