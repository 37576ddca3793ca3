"""Notebook transformations: each one small function, run from a declared pipeline.

The plain-text source (jupytext percent format, after Jinja) holds the solution; the
student notebook is the same source with solution regions replaced by marked blanks.
"""

import re

import jupytext
import nbformat

CODE_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION[ \t]*$")
CODE_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
SOLUTION_LINE = re.compile(r"^(?P<head>[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*=)[^#\n]*#[ \t]*SOLUTION[ \t]*$")
MARKDOWN_BEGIN = re.compile(r"^[ \t]*<!-- BEGIN SOLUTION -->[ \t]*$")
MARKDOWN_END = re.compile(r"^[ \t]*<!-- END SOLUTION -->[ \t]*$")

CODE_BLANK = ["# YOUR CODE HERE", 'raise NotImplementedError("Replace this line with your code.")']
ANSWER_BLANK = "None  # YOUR ANSWER HERE"
MARKDOWN_BLANK = "_Type your answer here, replacing this text._"
EXPORT_CALL = re.compile(r"^[ \t]*grader\.export\(", re.M)
KEPT_TAGS = ("otter_ignore",)
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


class MarkerError(ValueError):
    """Unbalanced or misplaced solution markers in the template."""


def solution_regions(lines, begin, end):
    """(start, stop) line index pairs of marker-delimited regions, markers included."""
    regions, start = [], None
    for index, line in enumerate(lines):
        if begin.match(line):
            if start is not None:
                raise MarkerError(f"nested BEGIN SOLUTION at line {index + 1}: {line.strip()}")
            start = index
        elif end.match(line):
            if start is None:
                raise MarkerError(f"END SOLUTION without BEGIN at line {index + 1}")
            regions.append((start, index))
            start = None
    if start is not None:
        raise MarkerError(f"BEGIN SOLUTION at line {start + 1} is never closed")
    return regions


def _replace_regions(source, begin, end, replacement):
    lines = source.split("\n")
    regions = solution_regions(lines, begin, end)
    for start, stop in reversed(regions):
        lines[start:stop + 1] = replacement(lines[start])
    return "\n".join(lines)


def blank_code_solutions(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _replace_regions(
                cell.source, CODE_BEGIN, CODE_END,
                lambda marker: [CODE_BEGIN.match(marker)["indent"] + text for text in CODE_BLANK],
            )
            cell.source = "\n".join(
                SOLUTION_LINE.sub(lambda m: f"{m['head']} {ANSWER_BLANK}", line)
                for line in cell.source.split("\n")
            )
    return nb


def blank_markdown_solutions(nb):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _replace_regions(cell.source, MARKDOWN_BEGIN, MARKDOWN_END, lambda marker: [MARKDOWN_BLANK])
    return nb


def drop_solution_markers(nb):
    for cell in nb.cells:
        begin, end = (CODE_BEGIN, CODE_END) if cell.cell_type == "code" else (MARKDOWN_BEGIN, MARKDOWN_END)
        lines = cell.source.split("\n")
        solution_regions(lines, begin, end)  # raises on unbalanced markers
        lines = [line for line in lines if not (begin.match(line) or end.match(line))]
        if cell.cell_type == "code":
            lines = [re.sub(r"[ \t]*#[ \t]*SOLUTION[ \t]*$", "", line) if SOLUTION_LINE.match(line) else line
                     for line in lines]
        cell.source = "\n".join(lines)
    return nb


def normalise_metadata(nb):
    """Fixed notebook metadata; no jupytext traces, no execution counts or outputs. Only the
    tags that mean something to a grader survive (otter_ignore: the autograder skips the cell)."""
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for cell in nb.cells:
        tags = [tag for tag in cell.metadata.get("tags", []) if tag in KEPT_TAGS]
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def skip_export_when_executed(nb):
    """The build executes the solution in a folder it then deletes: a "download" link to the zip
    that `grader.export()` leaves there would point nowhere. Jupyter's skip-execution tag keeps
    the cell, unrun and without output."""
    for cell in nb.cells:
        if cell.cell_type == "code" and EXPORT_CALL.search(cell.source):
            cell.metadata["tags"] = cell.metadata.get("tags", []) + ["skip-execution"]
    return nb


def assign_cell_ids(nb):
    """Deterministic ids: two builds must give byte-identical notebooks."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
    return nb


def validate(nb):
    nbformat.validate(nb)
    return nb


STUDENT_PIPELINE = [
    blank_code_solutions,  # before ids and validation: they only edit sources
    blank_markdown_solutions,
    normalise_metadata,  # drops whatever metadata jupytext added
    assign_cell_ids,  # after every step that adds or removes cells
    validate,  # last: checks the notebook as it will be written
]

SOLUTION_PIPELINE = [
    drop_solution_markers,
    normalise_metadata,
    skip_export_when_executed,  # after normalise_metadata, which clears every cell's metadata
    assign_cell_ids,
    validate,
]


def run_pipeline(text, pipeline):
    nb = jupytext.reads(text, fmt="py:percent")
    for step in pipeline:
        nb = step(nb)
    return nb


def public_text(text):
    """The template text with every solution region blanked: what students may see."""
    text = _replace_regions(text, CODE_BEGIN, CODE_END, lambda marker: CODE_BLANK)
    text = _replace_regions(text, MARKDOWN_BEGIN, MARKDOWN_END, lambda marker: [MARKDOWN_BLANK])
    return "\n".join(SOLUTION_LINE.sub(lambda m: f"{m['head']} {ANSWER_BLANK}", line) for line in text.split("\n"))


def solution_fragments(text):
    """Lines of the template's solution regions, for the leak check."""
    lines = text.split("\n")
    fragments = []
    for begin, end in ((CODE_BEGIN, CODE_END), (MARKDOWN_BEGIN, MARKDOWN_END)):
        for start, stop in solution_regions(lines, begin, end):
            fragments += [line.strip().lstrip("# ").strip() for line in lines[start + 1:stop]]
    fragments += [re.sub(r"#[ \t]*SOLUTION[ \t]*$", "", line).strip()
                  for line in lines if SOLUTION_LINE.match(line)]
    return fragments
