"""Hostile and broken notebooks cannot fool, hang or crash the grader.

Every notebook of tests/files/adversarial/ (see make_corpus.py there) is graded by the
bundle's own grader, as Gradescope's run_autograder runs it, with small time limits. For
each: results.json is valid, cheats score no more than the blank notebook, honest but
broken notebooks score what their answers deserve, the run ends within its limits, no
process the notebook started survives, and the message says what happened.
"""

import csv
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import unicodedata
import urllib.parse
import uuid

import jsonschema
import nbformat
import pytest

import grader
from builder import test_files
from classroom import batch, intake, report
from grader import seed, submission

from ..conftest import FAST_LIMITS, REPO, RESULTS_SCHEMA, question_scores
from .test_sandbox import NAMESPACES

CORPUS = REPO / "tests" / "files" / "adversarial"
MALFORMED = json.loads((CORPUS / "malformed.json").read_text())
NOTEBOOKS = {path.stem: path for path in sorted(CORPUS.glob("*.ipynb")) if path.name not in MALFORMED}
SLACK_SECONDS = 15  # start-up, kills and writing results, on a loaded machine
MAX_RESULTS_BYTES = 10**6  # results.json, and each feedback page, whatever the notebook


def spec(name):
    return nbformat.read(NOTEBOOKS[name], as_version=4).metadata["adversarial"]


def names(kind):
    return [name for name in NOTEBOOKS if spec(name)["kind"] == kind]


@pytest.fixture(scope="session")
def public_only_source(fast_source, tmp_path_factory):
    """The same bundle with every hidden case removed from its test files."""
    source = tmp_path_factory.mktemp("public-only-bundle") / "source"
    shutil.copytree(fast_source, source)
    for path in (source / "tests").glob("*.py"):
        path.write_text(test_files.public_version(path.read_text()))
    return source


@pytest.fixture(scope="session")
def total_points(question_points):
    return sum(question_points.values())


def grade_file(source, path, tmp_path):
    """(results, seconds) of grading one file with the bundle's grader, as run_autograder does.

    Where this machine allows namespaces, the grader must have used them (it says so on stderr).
    """
    results_path = tmp_path / f"results-{source.name}" / "results.json"
    started = time.monotonic()
    completed = subprocess.run(
        grader.command(source, path, results_path), cwd=source, capture_output=True, text=True, check=False,
        timeout=FAST_LIMITS["total_seconds"] + 4 * SLACK_SECONDS,
    )
    seconds = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(results_path.read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    if NAMESPACES and "grader: isolation level:" in completed.stderr:
        assert "grader: isolation level: namespace" in completed.stderr, completed.stderr[-2000:]
    return results, seconds


@pytest.fixture(scope="session")
def blank_score(fast_source, student_notebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("blank")
    nbformat.write(student_notebook, folder / "blank.ipynb")
    return grade_file(fast_source, folder / "blank.ipynb", folder)[0]["score"]


def assemble(name, student_notebook, solution_notebook, marker):
    """The base notebook with the case's cells added, markers filled in."""
    case = spec(name)
    base = solution_notebook if case["base"] == "solution" else student_notebook
    base = nbformat.from_dict(json.loads(json.dumps(base)))
    cells = [nbformat.v4.new_code_cell(cell.source.replace("@MARKER@", marker))
             for cell in nbformat.read(NOTEBOOKS[name], as_version=4).cells]
    cells += cells[-1:] * (case.get("extra", {}).get("repeat_last", 1) - 1)
    base.cells = cells + base.cells if case["where"] == "prepend" else base.cells + cells
    return base


def shadowed(kind, shown, solution):
    """The JSON text of a notebook that Jupyter shows as `shown` (or as empty cells), with the solution's
    code where nbformat does not read it (see make_corpus.py, extra.shadow)."""
    def version_3(notebook):
        return json.loads(nbformat.writes(nbformat.convert(nbformat.reads(nbformat.writes(notebook), 4), 3), 3))

    hidden, visible = json.loads(nbformat.writes(solution)), json.loads(nbformat.writes(shown))
    if kind == "worksheets":
        return json.dumps({**visible, "worksheets": version_3(solution)["worksheets"]})
    if kind == "v3_cells":
        return json.dumps({**version_3(shown), "cells": hidden["cells"]})
    if kind == "no_version":  # nbformat reads it as a version 1 notebook, whose code cells have no `code`
        return json.dumps({key: value for key, value in hidden.items() if key != "nbformat"})
    assert kind == "repeated_key"
    return '{"cells": ' + json.dumps(hidden["cells"]) + ", " + json.dumps(visible)[1:]


def write_case(name, path, student_notebook, solution_notebook, marker):
    """Write the notebook file of corpus case `name` to path."""
    extra = spec(name).get("extra", {})
    notebook = assemble(name, student_notebook, solution_notebook, marker)
    if extra.get("shadow"):
        path.write_text(shadowed(extra["shadow"], notebook, solution_notebook))
    elif extra.get("repeat_last", 1) > 1:  # too many cells for nbformat's validation: plain JSON
        path.write_text(json.dumps(notebook))
    else:
        nbformat.write(notebook, path)


def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def check_results_are_safe(name, results, source, submitted, tmp_path):
    """Bounded size, printable text only, hidden results published later, the seed nowhere visible."""
    size = (tmp_path / f"results-{source.name}" / "results.json").stat().st_size
    page = len(report.feedback_page(name, results).encode())
    assert size < MAX_RESULTS_BYTES and page < MAX_RESULTS_BYTES, f"{name}: results {size} B, feedback page {page} B"
    for text in strings_of(results):
        unsafe = {char for char in text if char not in "\n\t" and unicodedata.category(char) in
                  ("Cc", "Cf", "Cs", "Zl", "Zp")}
        assert not unsafe, f"{name}: {sorted(unsafe)!r} in {text[:200]!r}"
    assert all(test["visibility"] == "after_published" for test in results["tests"])
    assert "Hidden check 1" not in results["output"]
    try:
        cells = submission.read_cells(submitted, submitted.name)
    except submission.SubmissionError:
        return size, page
    grading_seed = seed.submission_seed(seed.bundle_key(source), cells)
    visible = results["output"]
    assert str(grading_seed) not in visible and f"{grading_seed:x}" not in visible, f"{name}: the seed is visible"
    return size, page


def processes_named(marker):
    """Live processes that gave themselves this name (zombies are dead: only not yet reaped)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == marker:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def plain(text):
    """The results message without Markdown escapes, lower case, for phrase checks."""
    return re.sub(r"\\(.)", r"\1", text).lower()


def run_case(name, fast_source, student_notebook, solution_notebook, tmp_path):
    marker = "vg" + uuid.uuid4().hex[:13]
    case = {"extra": {}, **spec(name)}
    path = tmp_path / "submission" / "vanishing_gradients.ipynb"
    path.parent.mkdir()
    write_case(name, path, student_notebook, solution_notebook, marker)
    results, seconds = grade_file(fast_source, path, tmp_path)
    assert seconds < FAST_LIMITS["total_seconds"] + SLACK_SECONDS, f"{name}: grading took {seconds:.1f} s"
    size, page = check_results_are_safe(name, results, fast_source, path, tmp_path)
    print(f"MEASURED {name}: {seconds:.1f} s, results.json {size} bytes, feedback page {page} bytes")
    deadline = time.monotonic() + 2
    while processes_named(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_named(marker), f"{name}: processes started by the notebook survived grading"
    for phrase in case["output"]:
        assert phrase.lower() in plain(results["output"]), f"{name}: {phrase!r} not in:\n{results['output'][:3000]}"
    check_no_injected_hint(name, results, case["extra"].get("no_hint", []))
    return results, path


def check_no_injected_hint(name, results, phrases):
    hints = [case.get("hint", "") for test in results["tests"] for case in test["extra_data"]["cases"]]
    outputs = "\n".join([results["output"]] + [test["output"] for test in results["tests"]])
    hints += re.findall(r"^> \*\*Hint:\*\*(.*)$", outputs, flags=re.M)
    for phrase in phrases:
        assert not any(phrase.lower() in hint.lower() for hint in hints), f"{name}: {phrase!r} injected as a hint"


def visible_output(results):
    """The top-level output, without the sentence that counts the hidden checks' points."""
    return re.sub(r"^Hidden checks \(worth .*$", "", results["output"], flags=re.M)


def check_expected_score(name, results, blank_score, question_points):
    expect = spec(name)["expect"]
    scores = question_scores(results)
    if expect == "blank":
        assert results["score"] <= blank_score, f"{name}: {results['score']} > blank {blank_score}: {scores}"
    elif expect == "full":
        assert scores == question_points, f"{name}: {scores}\n{results['output'][:3000]}"
    else:
        for question, points in question_points.items():
            if question in expect.get("zero", []):
                assert scores[question] == 0, f"{name}: {question} scored {scores[question]}"
            elif question in expect.get("below_full", []):
                assert scores[question] < points, f"{name}: {question} scored full marks"
            else:
                assert scores[question] == points, f"{name}: {question}: {scores[question]}\n{results['output'][:3000]}"


@pytest.mark.parametrize("name", names("cheat"))
def test_cheat_scores_no_more_than_blank(name, fast_source, public_only_source, student_notebook, solution_notebook,
                                         blank_score, question_points, tmp_path):
    """Does this cheat score no more than the blank notebook, with valid results and nothing left running?"""
    results, path = run_case(name, fast_source, student_notebook, solution_notebook, tmp_path)
    check_expected_score(name, results, blank_score, question_points)
    assert "hacked" not in results["output"] and results["score"] <= blank_score
    if spec(name).get("extra", {}).get("public_twin"):
        twin, _ = grade_file(public_only_source, path, tmp_path)
        assert visible_output(twin) == visible_output(results), f"{name}: hidden cases changed what shows at once"


@pytest.mark.parametrize("name", names("runaway"))
def test_runaway_notebook_is_stopped_and_graded(name, fast_source, student_notebook, solution_notebook, blank_score,
                                                question_points, tmp_path):
    """Is this runaway notebook stopped within the limits, nothing left running, the rest graded as it deserves?"""
    results, _ = run_case(name, fast_source, student_notebook, solution_notebook, tmp_path)
    check_expected_score(name, results, blank_score, question_points)


@pytest.mark.parametrize("name", names("honest"))
def test_honest_notebook_scores_what_it_deserves(name, fast_source, student_notebook, solution_notebook, blank_score,
                                                 question_points, tmp_path):
    """Does this honest notebook with a mistake score what its answers deserve, as Jupyter would run it?"""
    results, _ = run_case(name, fast_source, student_notebook, solution_notebook, tmp_path)
    check_expected_score(name, results, blank_score, question_points)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_gets_a_clear_valid_result(name, fast_source, blank_score, tmp_path):
    """Does this file that is not a proper notebook get a valid result of zero with a message that says why?"""
    entry = MALFORMED[name]
    results, seconds = grade_file(fast_source, CORPUS / name, tmp_path)
    check_results_are_safe(name, results, fast_source, CORPUS / name, tmp_path)
    assert results["score"] <= blank_score
    assert seconds < FAST_LIMITS["total_seconds"] + SLACK_SECONDS
    for phrase in entry["output"]:
        assert phrase.lower() in plain(results["output"]), results["output"][:2000]
    if not entry.get("graded"):
        assert all(test["score"] == 0 for test in results["tests"])


def test_notebook_with_90_mb_of_saved_outputs_is_graded(fast_source, solution_notebook, question_points, tmp_path):
    """Is the solution with 90 MB of saved outputs (plots), under Gradescope's upload limit, graded to full marks?"""
    notebook = nbformat.from_dict(json.loads(json.dumps(solution_notebook)))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBO" * (22 * 2**20 // len(code))})]
    path = tmp_path / "vanishing_gradients.ipynb"
    path.write_text(json.dumps(notebook))
    assert 88 * 2**20 < path.stat().st_size < submission.MAX_NOTEBOOK_BYTES
    results, seconds = grade_file(fast_source, path, tmp_path)
    assert question_scores(results) == question_points, results["output"][:2000]
    assert seconds < FAST_LIMITS["total_seconds"] + SLACK_SECONDS


HOSTILE_NAMES = [b"caf\xe9", b"=2+3", b"+SUM(A1)", b"-cmd", b"@SUM(A1)", b"\tname", b"line\xe2\x80\xa8break",
                 b"ctrl\x1b[31m", b"a,b\"c", b"#frag?q"]


def test_batch_writes_every_row_and_page_whatever_the_file_names(fast_source, student_notebook, tmp_path, capfd):
    """With file names that are not UTF-8, start a spreadsheet formula or hold controls, does `batch` write
    every grades.csv row (no cell a formula), every feedback page and a report linking each?"""
    folder = tmp_path / "submissions"
    folder.mkdir()
    for index, stem in enumerate(HOSTILE_NAMES):
        content = nbformat.writes(student_notebook).encode() if index == 0 else b"not a notebook"
        with open(os.path.join(bytes(folder), stem + b".ipynb"), "wb") as handle:
            handle.write(content)
    out = tmp_path / "out"
    batch.batch(fast_source, intake.stage(folder, tmp_path / "stage"), out, 2)
    capfd.readouterr().out.encode("utf-8")  # the progress lines are valid text too
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(HOSTILE_NAMES) + 1
    assert all(not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    assert any(row[0] == "caf\\xe9" for row in rows)
    page_html = (out / "report.html").read_text(encoding="utf-8")
    links = re.findall(r'href="feedback/([^"]+)"', page_html)
    assert len(links) == len(HOSTILE_NAMES)
    for link in links:
        target = os.path.join(bytes(out), b"feedback", urllib.parse.unquote_to_bytes(html.unescape(link)))
        assert os.path.getsize(target) < MAX_RESULTS_BYTES
    for stem in HOSTILE_NAMES:
        assert os.path.exists(os.path.join(bytes(out), stem + b".json"))


def test_nbformat_3_solution_gets_full_marks(fast_source, solution_notebook, question_points, tmp_path):
    """Is the solution saved as an old nbformat 3 notebook graded normally, to full marks?"""
    old = nbformat.convert(nbformat.from_dict(json.loads(json.dumps(solution_notebook))), 3)
    path = tmp_path / "vanishing_gradients.ipynb"
    path.write_text(nbformat.writes(old, version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    results, _ = grade_file(fast_source, path, tmp_path)
    assert question_scores(results) == question_points, results["output"][:2000]


def test_corpus_covers_every_kind_of_attack():
    """Does the corpus hold at least 20 notebooks, with cheats, runaways, honest mistakes and malformed files?"""
    assert len(NOTEBOOKS) + len(MALFORMED) >= 20
    kinds = {spec(name)["kind"] for name in NOTEBOOKS}
    assert kinds == {"cheat", "runaway", "honest"} and len(MALFORMED) >= 5
    assert len(names("cheat")) >= 8 and len(names("runaway")) >= 8
