"""Reading submissions: every way an upload arrives, and every way it can be wrong."""

import collections
import json
import random
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


SHOWN = [{"cell_type": "code", "id": "shown", "metadata": {}, "source": "shown = 1", "outputs": [],
          "execution_count": None}]
HIDDEN_V3 = [{"cell_type": "code", "language": "python", "input": "hidden = 1", "outputs": [], "metadata": {}}]


@pytest.mark.parametrize("notebook, graded, words", [
    ({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": SHOWN, "worksheets": [{"cells": HIDDEN_V3}]},
     ["shown = 1"], None),
    ({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": HIDDEN_V3}], "cells": SHOWN},
     ["hidden = 1"], None),
    ({"metadata": {}, "cells": SHOWN}, None, "does not say which notebook format"),
    ({"nbformat": "4", "metadata": {}, "cells": SHOWN}, None, "does not say which notebook format"),
    ({"nbformat": 5, "metadata": {}, "cells": SHOWN}, None, "notebook format 5"),
    ({"nbformat": 4, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "input": "hidden = 1"}]},
     None, "has no source"),
    ({"nbformat": 4, "metadata": {}, "cells": [{**SHOWN[0], "source": ["x = ", 1, "hidden"]}]},
     None, "other than text"),
    ({"nbformat": 4, "metadata": {}, "cells": [*SHOWN, "hidden = 1"]}, None, "not a notebook cell"),
])
def test_code_jupyter_does_not_show_is_never_graded(notebook, graded, words):
    """Is a notebook graded by the code Jupyter shows (never a legacy worksheets key of a version 4, or a
    cells key of a version 3), and refused with a message when tools could disagree on its code?"""
    text = json.dumps(notebook)
    if graded is None:
        with pytest.raises(submission.SubmissionError, match=words) as error:
            submission.code_cells(text.encode(), "hw.ipynb")
        assert "Nothing of it was run" in str(error.value) or "Open it in Jupyter" in str(error.value)
        return
    assert submission.code_cells(text.encode()) == graded
    assert [cell.source for cell in nbformat.reads(text, as_version=4).cells] == graded


def test_a_repeated_json_key_is_refused():
    """Is a notebook whose JSON names a key twice (readers keep different ones) refused, whichever key it is?"""
    cells = json.dumps(SHOWN)
    for text in ['{"nbformat": 4, "metadata": {}, "cells": ' + cells + ', "cells": []}',
                 '{"nbformat": 4, "metadata": {}, "cells": [{"cell_type": "code", "source": "a", "source": "b"}]}',
                 '{"nbformat": 4, "nbformat": 3, "metadata": {}, "cells": ' + cells + "}"]:
        with pytest.raises(submission.SubmissionError, match="twice"):
            submission.code_cells(text.encode())


def test_old_nbformat_3(tmp_path):
    """Is an nbformat 3 notebook graded too: the cells of every worksheet, lines joined as nbformat joins them?"""
    old = {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "z = 3"}]},
                                         {"cells": [{"cell_type": "code", "input": ["a = 1", "b = 2"]}]}]}
    data, name = submission.locate(write(tmp_path / "old.ipynb", old), "old.ipynb")
    assert submission.code_cells(data, name) == ["z = 3", "a = 1\nb = 2"]


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


def nbformat_code(text):
    """(the code cells as nbformat reads them, or None where it cannot read them; does the notebook validate?)"""
    errors = {}
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=errors)
    except Exception:  # nbformat fails on malformed notebooks in many ways (KeyError, AttributeError, TypeError...)
        return None, False
    cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
    if not all(isinstance(cell.get("source"), str) for cell in cells):
        return None, False
    return ["" if submission.ignored(cell) else submission.python_source(cell.source) for cell in cells], not errors


def random_source(rng):
    lines = [rng.choice(["x = 1", "def f(a):", "    return a * 2", "%matplotlib inline", "!ls", "", "y = [",
                         "]", "print('é')", "# comment"]) for _ in range(rng.randrange(0, 5))]
    return "\n".join(lines)


def random_cell(rng, version):
    kind = rng.choice(["code", "code", "markdown", "raw"] if version == 4 else ["code", "code", "markdown", "heading"])
    text = random_source(rng)
    metadata = {"tags": ["otter_ignore"]} if rng.random() < 0.15 else {}
    if version == 4:
        source = text.splitlines(True) if rng.random() < 0.5 else text
        if kind == "code":
            return nbformat.v4.new_code_cell(source, metadata=metadata)
        return (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_raw_cell)(source)
    if kind == "heading":
        return nbformat.v3.new_heading_cell(source=text, level=rng.randrange(1, 4))
    cell = (nbformat.v3.new_code_cell(input=text, metadata=metadata) if kind == "code"
            else nbformat.v3.new_text_cell("markdown", source=text))
    cell["input" if kind == "code" else "source"] = rng.choice([text, text.splitlines(True), text.splitlines()])
    return cell


def random_notebook(rng):
    """A random notebook of format 4 or 3 as Jupyter saves it, as plain data."""
    version = rng.choice([4, 4, 3])
    cells = [random_cell(rng, version) for _ in range(rng.randrange(0, 6))]
    if version == 4:
        return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    sheets = [nbformat.v3.new_worksheet(cells=cells[i::2]) for i in range(rng.randrange(1, 3))]
    return json.loads(json.dumps(nbformat.v3.new_notebook(worksheets=sheets)))


def cells_of(notebook):
    if notebook.get("nbformat") == 3 and isinstance(notebook.get("worksheets"), list):
        return [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
                for cell in sheet.get("cells", []) if isinstance(cell, dict)]
    return [cell for cell in notebook.get("cells", []) if isinstance(cell, dict)]


def mutate(rng, notebook):
    """One change a hand-edited or hostile notebook could carry."""
    cells, key = cells_of(notebook), "input" if notebook.get("nbformat") == 3 else "source"
    code = [cell for cell in cells if cell.get("cell_type") == "code"]
    choice = rng.randrange(14)
    if choice == 0:
        notebook["worksheets"] = [{"cells": [{"cell_type": "code", "input": "shadow = 1", "outputs": []}]}]
    elif choice == 1:
        notebook["cells"] = [nbformat.v4.new_code_cell("shadow = 1")]
    elif choice == 2:
        notebook["nbformat"] = rng.choice([None, "4", 4.0, True, 5, 2, 1])
    elif choice == 3:
        notebook.pop("nbformat", None)
    elif choice == 4 and cells:
        rng.choice(cells).pop("cell_type", None)
    elif choice == 5 and cells:
        rng.choice(cells)["cell_type"] = rng.choice(["cod", "Code", 4, None])
    elif choice == 6 and code:
        rng.choice(code)[key] = rng.choice([4, None, {"a": "b"}, ["x = ", 2], [["x"]], True])
    elif choice == 7 and code:
        rng.choice(code).pop(key, None)
    elif choice == 8 and cells:
        rng.choice(cells).pop("metadata", None)
    elif choice == 9 and code:
        cell = rng.choice(code)
        cell.pop("execution_count", None)
        cell.pop("prompt_number", None)
    elif choice == 10 and code:
        rng.choice(code)["input" if key == "source" else "source"] = "shadow = 1"
    elif choice == 11:
        target = notebook.get("cells") if notebook.get("nbformat") == 4 else notebook["worksheets"][0]["cells"]
        if isinstance(target, list):
            target.insert(rng.randrange(len(target) + 1), rng.choice(["a cell", 7, None, ["x"]]))
    elif choice == 12 and notebook.get("nbformat") == 4:  # (nbformat cannot upgrade a version 3 without it)
        notebook.pop("metadata", None)
        notebook.pop("nbformat_minor", None)
    elif choice == 13 and code:
        rng.choice(code)["metadata"] = {"tags": ["otter_ignore"], "otter": {"ignore": rng.random() < 0.5}}
    return notebook


def test_the_code_graded_is_the_code_nbformat_reads():
    """On random notebooks of formats 3 and 4, valid or edited by hand (shadow keys, wrong types, missing
    fields), is whatever the grader reads exactly the code nbformat reads (where nbformat can read it),
    and is every notebook of format 3 or 4 that nbformat reads and validates graded?"""
    rng = random.Random(19)
    outcomes = collections.Counter()
    for _ in range(600):
        notebook = random_notebook(rng)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            notebook = mutate(rng, notebook)
        text = json.dumps(notebook)
        expected, valid = nbformat_code(text)
        try:
            ours = submission.code_cells(text.encode())
        except submission.SubmissionError as error:
            if notebook.get("nbformat", 1) in (1, 2):  # nbformat reads these (and no version) as 2011's formats
                assert "notebook format" in str(error)
            else:
                assert not valid, f"a valid notebook was refused ({error}):\n{text}"
            assert "Upload the notebook" in str(error)
            outcomes["refused"] += 1
            continue
        if expected is None:  # nbformat fails on it (Jupyter cannot open it): no other reading to agree with
            outcomes["graded, nbformat cannot read it"] += 1
            continue
        assert ours == expected, f"graded {ours!r}, nbformat reads {expected!r}:\n{text}"
        outcomes["graded, valid" if valid else "graded, invalid where no code is decided"] += 1
    assert min(outcomes.values()) >= 20 and len(outcomes) == 4, outcomes
