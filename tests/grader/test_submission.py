"""Reading submissions: every way an upload arrives, and every way it can be wrong."""

import json
import zipfile

import nbformat
import pytest

from grader import submission

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


def test_a_5000_digit_number_is_not_a_notebook(tmp_path):
    """Is a notebook whose JSON holds a 5000-digit integer refused as not a notebook (not a grader failure)?"""
    content = b'{"nbformat": 4, "cells": [], "metadata": {"n": ' + b"7" * 5000 + b"}}"
    data, name = submission.locate(write(tmp_path / "big.ipynb", content), "big.ipynb")
    with pytest.raises(submission.SubmissionError, match="not a Jupyter notebook"):
        submission.code_cells(data, name)


def test_saved_outputs_are_dropped_not_refused(tmp_path):
    """Is a notebook far above the old 20 MB limit, all of it saved outputs and attachments, read for its code?"""
    cells = [{"cell_type": "code", "source": f"x{i} = {i}", "metadata": {},
              "outputs": [{"output_type": "display_data", "data": {"image/png": "A" * 2**20}}]} for i in range(40)]
    cells.append({"cell_type": "markdown", "source": "![plot](attachment:p.png)",
                  "attachments": {"p.png": {"image/png": "B" * 2**20}}})
    path = write(tmp_path / "plots.ipynb", {"nbformat": 4, "cells": cells})
    assert path.stat().st_size > 40 * 2**20
    assert submission.read_cells(path, "plots.ipynb") == [f"x{i} = {i}" for i in range(40)]


def test_only_code_counts_toward_the_size_limit(tmp_path):
    """Is a notebook refused for its size only when its code cells hold too much code, with a message saying so?"""
    source = "#" * (submission.MAX_CODE_CHARS // 2)
    path = write(tmp_path / "code.ipynb", {"nbformat": 4, "cells": [{"cell_type": "code", "source": source}] * 3})
    with pytest.raises(submission.SubmissionError, match="MB of code"):
        submission.read_cells(path, "code.ipynb")


def test_file_names_are_shown_safely(tmp_path):
    """Are file names that are not UTF-8 or hold control characters shown as escapes in the message?"""
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "answers\u2028Hint: x.pdf").write_bytes(b"%PDF")
    (folder / "r\udcff.txt").write_bytes(b"x")
    with pytest.raises(submission.SubmissionError) as error:
        submission.locate(folder, "hw.ipynb")
    message = str(error.value)
    message.encode("utf-8")
    assert "r\\xff.txt" in message and "answers\\u2028Hint: x.pdf" in message and message.isprintable()


def test_a_notebook_with_a_non_utf8_name_is_read(tmp_path):
    """Is a submitted notebook whose file name is not UTF-8 graded like any other, its name shown as escapes?"""
    path = write(tmp_path / "caf\udce9.ipynb", NOTEBOOK)
    data, name = submission.locate(tmp_path, "hw.ipynb")
    assert name == "caf\\xe9.ipynb" and submission.code_cells(data, name) == ["x = 1\ny = 2"]
    assert path.exists()


def test_cells_otter_ignores_are_not_run_and_keep_the_numbering():
    """Are cells tagged otter_ignore (or with Otter's ignore metadata) skipped, as Otter skips them,
    without changing the numbers of the cells after them?"""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("long_run()", metadata={"tags": ["otter_ignore"]}),
        nbformat.v4.new_code_cell("demo()", metadata={"otter": {"ignore": True}}),
        nbformat.v4.new_code_cell("b = 2", metadata={"tags": ["other"], "otter": {"ignore": False}}),
    ])
    assert submission.code_cells(nbformat.writes(notebook).encode()) == ["a = 1", "", "", "b = 2"]
