"""Reading submissions: every way an upload arrives, and every way it can be wrong."""

import json
import zipfile

import pytest

from vg_grader import submission

NOTEBOOK = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
    {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "y = 2"], "outputs": [], "execution_count": None},
]}


def write(path, data):
    path.write_bytes(json.dumps(data).encode() if isinstance(data, dict) else data)
    return path


def test_reads_code_cells_in_order(tmp_path):
    """Are code cells read in order, list-of-lines sources joined, markdown skipped?"""
    data, name = submission.locate(write(tmp_path / "nb.ipynb", NOTEBOOK), "nb.ipynb")
    assert submission.code_cells(data, name) == ["x = 1\ny = 2"]


def test_gradescope_folder_and_export_zip(tmp_path):
    """Are a Gradescope folder and the zip from grader.export() both understood?"""
    folder = tmp_path / "submission"
    folder.mkdir()
    with zipfile.ZipFile(folder / "export.zip", "w") as archive:
        archive.writestr("vanishing_gradients.ipynb", json.dumps(NOTEBOOK))
        archive.writestr("__MACOSX/._vanishing_gradients.ipynb", "junk")
    data, name = submission.locate(folder, "vanishing_gradients.ipynb")
    assert name == "vanishing_gradients.ipynb" and submission.code_cells(data, name)


def test_prefers_the_expected_name_among_several(tmp_path):
    """With several notebooks, is the one with the assignment's name graded?"""
    write(tmp_path / "scratch.ipynb", {"cells": []})
    write(tmp_path / "hw.ipynb", NOTEBOOK)
    assert submission.locate(tmp_path, "hw.ipynb")[1] == "hw.ipynb"


def test_old_nbformat_3(tmp_path):
    """Is an nbformat 3 notebook (cells inside worksheets) graded too?"""
    old = {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "z = 3"}]}]}
    data, name = submission.locate(write(tmp_path / "old.ipynb", old), "old.ipynb")
    assert submission.code_cells(data, name) == ["z = 3"]


@pytest.mark.parametrize("content, words", [
    (b"", "not a Jupyter notebook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a Jupyter notebook"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b'{"nbformat": 4}', "no list of cells"),
])
def test_unreadable_files_explain_what_to_upload(tmp_path, content, words):
    """Does every unreadable upload give a message that says what to upload instead?"""
    data, name = submission.locate(write(tmp_path / "bad.ipynb", content), "bad.ipynb")
    with pytest.raises(submission.SubmissionError) as error:
        submission.code_cells(data, name)
    assert words in str(error.value) and ".ipynb" in str(error.value)


def test_folder_without_notebook(tmp_path):
    """Does a folder with no notebook say which files it found?"""
    (tmp_path / "answers.pdf").write_bytes(b"%PDF")
    with pytest.raises(submission.SubmissionError, match="answers.pdf"):
        submission.locate(tmp_path, "hw.ipynb")


def test_ipython_syntax_is_neutralised():
    """Do magics and shell escapes become no-ops, keeping line numbers and blocks?"""
    source = "%matplotlib inline\nif True:\n    !pip install x\n    y = 1"
    converted = submission.python_source(source)
    compile(converted, "<cell>", "exec")
    assert converted.count("\n") == source.count("\n")
    assert submission.python_source("%%bash\nrm -rf /").startswith("pass")
    assert "x = 2" in submission.python_source("%%time\nx = 2")
