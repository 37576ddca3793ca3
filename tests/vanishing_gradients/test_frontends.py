"""The notebook's set-up cell: it installs Otter only where it is missing (Colab), finds the
public tests (or says how to get them), and does nothing at all while being graded."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from grader.sandbox import worker

from ..conftest import ASSIGNMENT, REPO


@pytest.fixture(scope="module")
def setup_cell(student_notebook):
    """The first code cell of the release notebook."""
    cell = next(c for c in student_notebook.cells if c.cell_type == "code")
    assert "find_spec" in cell.source
    return cell.source


def run_cell(source, monkeypatch, otter_installed):
    """Run the cell in this process with pip replaced by a recorder; the pip commands it ran."""
    commands = []
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "otter" and not otter_installed:
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(subprocess, "check_call", lambda command, **kwargs: commands.append(command))
    exec(compile(source, "<setup cell>", "exec"), {"__name__": "__main__"})
    return commands


def test_installs_the_pinned_otter_only_where_it_is_missing(setup_cell, monkeypatch, tmp_path, capsys):
    """Where Otter is missing (Colab), does the cell pip-install exactly the pinned Otter, and
    where it is present (Jupyter, VS Code with the course environment), nothing?"""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").mkdir()
    assert run_cell(setup_cell, monkeypatch, otter_installed=True) == []
    assert capsys.readouterr().out == ""
    [command] = run_cell(setup_cell, monkeypatch, otter_installed=False)
    assert command == [sys.executable, "-m", "pip", "install", "--quiet", "otter-grader==7.0.0"]
    pinned = re.search(r"^otter-grader==(\S+)$", (REPO / "requirements" / "dev.txt").read_text(), flags=re.M)
    assert command[-1] == f"otter-grader=={pinned[1]}", "the notebook must install the Otter the course uses"


def test_finds_the_tests_of_an_unzipped_release_or_says_what_to_do(setup_cell, monkeypatch, tmp_path, capsys):
    """On Colab the notebook is not next to tests/: does the cell enter an unzipped release
    folder, and otherwise print one line saying how to get the tests?"""
    monkeypatch.chdir(tmp_path)
    run_cell(setup_cell, monkeypatch, otter_installed=True)
    message = capsys.readouterr().out.strip()
    assert message.count("\n") == 0 and f"{ASSIGNMENT}.zip" in message and "unzip" in message
    (tmp_path / ASSIGNMENT / "tests").mkdir(parents=True)
    run_cell(setup_cell, monkeypatch, otter_installed=True)
    assert os.getcwd() == str(tmp_path / ASSIGNMENT)
    assert capsys.readouterr().out == ""


def test_does_nothing_while_being_graded(setup_cell, tmp_path):
    """In the grader's student process Otter is an inert stand-in: does the cell then neither
    install anything nor start any process?"""
    program = (
        "import subprocess, sys\n"
        "sys.meta_path.insert(0, InertFinder())\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('the set-up cell started a process while being graded')\n"
        "subprocess.check_call = subprocess.run = subprocess.Popen = refuse\n"
        f"exec(compile({setup_cell!r}, '<setup cell>', 'exec'), {{'__name__': '__main__'}})\n"
        "import otter\n"
        "print('graded quietly', type(otter).__name__)\n"
    )
    (tmp_path / "tests").mkdir()
    completed = subprocess.run(
        [sys.executable, "-c", f"from grader.sandbox.worker import InertFinder\n{program}"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "graded quietly module"
    assert worker.INERT_PACKAGES[0] == "otter"
