"""Find and read a submitted notebook, whatever shape it arrives in.

Gradescope puts the uploaded files in a folder: a notebook, or the zip that Otter's
``grader.export()`` makes, or something else entirely. Every way this can go wrong ends
in a SubmissionError whose message tells the student what to upload instead.

Only the code cells' sources are kept: saved outputs (plots included) and attachments are
dropped while the notebook is read, so any notebook Gradescope accepts is graded; only the
code itself counts toward a size limit.

The code graded is exactly the code Jupyter shows, as nbformat reads it (Jupyter, nbviewer and
most other tools read notebooks through nbformat): a version 4 notebook's `cells` and nothing
else (a legacy `worksheets` key is never read), a version 3 notebook's worksheets, every one,
with nbformat's rule for joining lines. The bundle has no nbformat (it needs numpy only), so
the few rules of its schema that decide which code runs are checked here (the tests check them
against nbformat's own reader and validator); a notebook that breaks one, so that tools could
disagree on its code, is refused with a message and no code of it runs. The rest of the schema
(metadata, outputs, execution counts) decides nothing that runs and is not checked.
"""

import collections
import json
import pathlib
import re
import zipfile

from . import safe_text

# The largest notebook read, taken as Gradescope's upload limit for a submission.
MAX_NOTEBOOK_BYTES = 100 * 2**20
MAX_CODE_CHARS = 16 * 2**20  # all code cells together
IGNORE_TAG = "otter_ignore"  # Otter's tag for cells the autograder does not run
UPLOAD_HINT = (
    "Upload the notebook file (.ipynb) you worked in, or the .zip that "
    "grader.export() created, without renaming or editing it outside Jupyter."
)


class SubmissionError(Exception):
    """The submission cannot be graded; the message is for the student (made safe to show)."""

    def __init__(self, message):
        super().__init__(safe_text.line(message, 2000))


def private_folders(source_dir, path):
    """Folders the student process must not read where isolation relies on permissions: the bundle
    (hidden tests, reference code) and the folder of submissions."""
    submitted = pathlib.Path(path).resolve()
    return [pathlib.Path(source_dir), submitted if submitted.is_dir() else submitted.parent]


def read_cells(path, expected_name):
    """The code cells of the submission at `path` (see locate and code_cells)."""
    return code_cells(*locate(path, expected_name))


def _name(path):
    """A file name as students can read it (non-UTF-8 bytes shown as escapes)."""
    return safe_text.line(pathlib.PurePath(path).name)


def locate(path, expected_name):
    """The notebook bytes and a display name, from a file or a Gradescope submission folder."""
    path = pathlib.Path(path)
    if path.is_dir():
        # Symbolic links are ignored: one could point at any file the grader can read.
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and not p.is_symlink() and not _hidden(p.relative_to(path)))
        notebooks = [p for p in files if p.suffix == ".ipynb"]
        preferred = [p for p in notebooks if p.name == expected_name]
        if preferred or len(notebooks) == 1:
            return locate((preferred or notebooks)[0], expected_name)
        zips = [p for p in files if p.suffix == ".zip"]
        if not notebooks and len(zips) == 1:
            return locate(zips[0], expected_name)
        names = ", ".join(_name(p) for p in files[:10]) or "no files at all"
        if notebooks:
            raise SubmissionError(
                f"Your submission has {len(notebooks)} notebooks and none is named "
                f"{expected_name}, so the grader cannot tell which to grade. {UPLOAD_HINT}"
            )
        raise SubmissionError(f"Your submission has no notebook (found: {names}). {UPLOAD_HINT}")
    if path.suffix == ".zip":
        return _from_zip(path, expected_name)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"{_name(path)} is {path.stat().st_size // 2**20} MB, more than the "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MB allowed. Clear large outputs "
            "(Edit → Clear All Outputs), save and upload again."
        )
    return path.read_bytes(), _name(path)


def _hidden(relative):
    return any(part.startswith((".", "__MACOSX")) for part in relative.parts)


def _from_zip(path, expected_name):
    try:
        with zipfile.ZipFile(path) as archive:
            entries = [
                info
                for info in archive.infolist()
                if info.filename.endswith(".ipynb") and not _hidden(pathlib.PurePosixPath(info.filename))
            ]
            preferred = [i for i in entries if pathlib.PurePosixPath(i.filename).name == expected_name]
            chosen = (preferred or entries)[:1]
            if not chosen or (not preferred and len(entries) > 1):
                raise SubmissionError(f"{_name(path)} does not contain {expected_name}. {UPLOAD_HINT}")
            if chosen[0].file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(f"The notebook inside {_name(path)} is too large. {UPLOAD_HINT}")
            with archive.open(chosen[0]) as member:
                data = member.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(f"The notebook inside {_name(path)} is too large. {UPLOAD_HINT}")
            return data, _name(pathlib.PurePosixPath(chosen[0].filename))
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as error:
        raise SubmissionError(f"{_name(path)} is not a readable zip file ({error}). {UPLOAD_HINT}") from None


class RepeatedKey(ValueError):
    """A JSON object names one key twice: readers differ on which value counts."""


def _without_outputs(pairs):
    """json object hook: refuse repeated keys, and drop saved outputs as soon as each cell is read
    (they are never graded)."""
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        repeated, _ = collections.Counter(key for key, _ in pairs).most_common(1)[0]
        raise RepeatedKey(safe_text.line(repr(repeated), 80))
    mapping.pop("outputs", None)
    mapping.pop("attachments", None)
    return mapping


def code_cells(data, name="the submission"):
    """The source of every code cell, in order, with IPython-only syntax neutralised."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_without_outputs)
    except RepeatedKey as key:
        raise SubmissionError(
            f"{name} is not a notebook as Jupyter saves it: one of its JSON objects has the key {key} twice, so "
            f"tools disagree on what it holds. Nothing of it was run. {UPLOAD_HINT}") from None
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, or a 5000-digit number
        raise SubmissionError(
            f"{name} is not a Jupyter notebook: it could not be read as notebook JSON ({error}). "
            f"{UPLOAD_HINT}"
        ) from None
    if not isinstance(notebook, dict):
        raise SubmissionError(f"{name} is not a Jupyter notebook. {UPLOAD_HINT}")
    sources = []
    for number, cell, source in _code_sources(notebook, name):
        if ignored(cell):
            sources.append("")  # not run, as Otter does; kept empty so cells keep their numbers
        elif isinstance(source, str):
            sources.append(python_source(source))
        else:
            raise SubmissionError(
                f"Code cell {number} of {name} holds something other than text (its source is a "
                f"{type(source).__name__}{' with items that are not text' if isinstance(source, list) else ''}), "
                f"so Jupyter would not show it as it would be run. Nothing of it was run. {UPLOAD_HINT}")
    size = sum(len(source) for source in sources)
    if size > MAX_CODE_CHARS:
        raise SubmissionError(
            f"{name} holds {size // 2**20} MB of code in its code cells, more than the "
            f"{MAX_CODE_CHARS // 2**20} MB allowed: keep large data out of code cells. {UPLOAD_HINT}")
    return sources


def _code_sources(notebook, name):
    """(number, cell, source as nbformat joins it, or the raw value if that is not text) of every code
    cell, numbered from 1, in the order nbformat reads them."""
    version = notebook.get("nbformat")
    if type(version) is not int:  # nbformat reads a missing version as 1, and then ignores `cells`
        raise SubmissionError(
            f"{name} does not say which notebook format it is in (no whole number \"nbformat\"), so "
            f"it is not a notebook as Jupyter saves it. Nothing of it was run. {UPLOAD_HINT}")
    if version == 4:
        cells, key, join = notebook.get("cells"), "source", "".join
    elif version == 3:  # nbformat flattens every worksheet; a top-level `cells` is never read
        worksheets = notebook.get("worksheets")
        if not isinstance(worksheets, list) or not all(
                isinstance(sheet, dict) and isinstance(sheet.get("cells"), list) for sheet in worksheets):
            raise SubmissionError(f"{name} has no list of cells in its worksheets: it is not a Jupyter notebook. "
                                  f"{UPLOAD_HINT}")
        cells, key, join = [cell for sheet in worksheets for cell in sheet["cells"]], "input", _join_v3
    else:
        raise SubmissionError(
            f"{name} is in notebook format {version}, which Jupyter does not save any more (it saves 4). "
            f"Open it in Jupyter, save it, and upload it again. {UPLOAD_HINT}")
    if not isinstance(cells, list):
        raise SubmissionError(f"{name} has no list of cells: it is not a Jupyter notebook. {UPLOAD_HINT}")
    code = 0
    for index, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            raise SubmissionError(f"Cell {index} of {name} is not a notebook cell: it is not a Jupyter notebook. "
                                  f"Nothing of it was run. {UPLOAD_HINT}")
        if cell.get("cell_type") != "code":
            continue  # markdown, raw and unknown cells: nothing runs them
        code += 1
        if key not in cell and version == 4:  # nbformat 3 reads a missing input as empty
            raise SubmissionError(f"Code cell {code} of {name} has no source: it is not a Jupyter notebook. "
                                  f"Nothing of it was run. {UPLOAD_HINT}")
        source = cell.get(key, "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = join(source)
        yield code, cell, source


def _join_v3(lines):
    """nbformat 3's rule: lines split with their ends are joined as they are, others with newlines."""
    return "".join(lines) if lines and lines[0].endswith(("\n", "\r")) else "\n".join(lines)


def ignored(cell):
    """Does the cell carry Otter's mark for cells the autograder skips (demos, long runs)?"""
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return False
    tags = metadata.get("tags")
    otter = metadata.get("otter")
    return (isinstance(tags, list) and IGNORE_TAG in tags) or (isinstance(otter, dict) and otter.get("ignore") is True)


MAGIC_LINE = re.compile(r"^(\s*)(%|!)")


def python_source(source):
    """Turn IPython-only lines into no-ops, keeping line numbers and block structure.

    Line magics (%...) and shell escapes (!...) become `pass`; a cell magic (%%...) makes
    the whole cell a no-op except %%time/%%timeit/%%capture, whose body runs as plain code.
    """
    if "%" not in source and "!" not in source:
        return source
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].split()[0]
        if magic not in ("%%time", "%%timeit", "%%capture"):
            return "\n".join(["pass"] + ["# " + line for line in lines[1:]])
        lines[0] = "pass"
    return "\n".join(MAGIC_LINE.sub(r"\1pass #", line) for line in lines)
