"""What a student reads: Otter's own `grader.check` / `grader.check_all()` in a real kernel,
on the rendered public tests of the release, and the grader's results for the same notebook."""

import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from builder import config
from grader import otter_tests
from grader import results as results_module

from ..conftest import ASSIGNMENT, BANK, question_scores, with_cell_replaced

FUNCTIONS = ("sigmoid_gradient", "prod", "clip_gradients", "step_lengths", "safe_scale", "vanishing_horizon",
             "non_normal_trap", "explosion_regime")
# What check_all() may print with one mistake per question: a screen of 30 lines per question.
LINES_PER_QUESTION = 30
# One realistic mistake per question (the bank's wrong implementations).
MISTAKES = ("sigmoid_gradient/wrong_returns_sigmoid", "prod/wrong_transposed_jacobian",
            "clip_gradients/wrong_per_array_clipping", "step_lengths/wrong_caps_step_at_max_norm",
            "explosion_regime/wrong_spectral_radius_for_both")
# The one line Otter quotes from the test file before each failure (tests/_checks: _quoted_line).
QUOTED_LINE = "check(**values)  # What went wrong, and what to do:"
SIGMOID_GRADIENT_USING_SIGMOID = "def sigmoid_gradient(x):\n    s = sigmoid(x)\n    return s * (1 - s)\n"


def graded_cells(notebook):
    """The cells a student fills in, with imports and the helper `sigmoid`, in notebook order."""
    wanted = [f"def {name}(" for name in FUNCTIONS + ("sigmoid",)]
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"
            and ("import numpy as np" in cell.source or any(w in cell.source for w in wanted))]


def otter_cell(student_notebook):
    (cell,) = [c.source for c in student_notebook.cells if c.cell_type == "code" and "otter.Notebook(" in c.source]
    return cell


def run_in_kernel(dist, tmp_path, cells):
    """Run cells after Otter's set-up cell in a real kernel, in a copy of the release; the
    plain-text output of each of the given cells."""
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(dist / "student" / ASSIGNMENT, folder)
    release = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in [otter_cell(release), *cells]]
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    texts = []
    for cell in notebook.cells[1:]:
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        assert not errors, errors
        texts.append("".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs))
    return texts


def mistaken_notebook(solution_notebook):
    notebook = solution_notebook
    for stem in MISTAKES:
        notebook = with_cell_replaced(notebook, stem.split("/")[0], (BANK / f"{stem}.py").read_text())
    return notebook


@pytest.fixture(scope="module")
def check_all_outputs(dist, student_notebook, solution_notebook, tmp_path_factory):
    """What grader.check_all() prints for the solution, one mistake per question, and the blank."""
    notebooks = {"solution": solution_notebook, "mistakes": mistaken_notebook(solution_notebook),
                 "blank": student_notebook}
    return {kind: run_in_kernel(dist, tmp_path_factory.mktemp(kind), graded_cells(nb) + ["grader.check_all()"])[-1]
            for kind, nb in notebooks.items()}


def public_names(dist):
    tests = dist / "student" / ASSIGNMENT / "tests"
    return {f.name: [c.name for c in f.cases]
            for f in otter_tests.load_all(tests, [q["name"] for q in config.load(ASSIGNMENT).questions])}


def case_blocks(summary):
    """{question: {case name: its lines}} of an Otter summary: a question starts with
    "<question> results:", a case with "<name> result:" (indented by 4)."""
    blocks, current = {}, None
    for line in summary.splitlines():
        question = re.fullmatch(r"(\S+) results:.*", line)
        case = re.fullmatch(r" {4}(\S.*) result:", line)
        if question:
            cases, current = blocks.setdefault(question.group(1), {}), None
        elif case:
            current = cases.setdefault(case.group(1), [])
        elif current is not None and line.strip():
            current.append(line.strip())
    return blocks


def test_a_passing_notebook_gets_one_line_per_question(check_all_outputs, dist):
    """Does check_all() on a correct notebook print exactly one line per question?"""
    lines = [line for line in check_all_outputs["solution"].splitlines() if line.strip()]
    assert lines == [f"{question} results: All test cases passed!" for question in sorted(public_names(dist))]


def test_otter_quotes_no_internal_line(check_all_outputs):
    """Otter 7 always prints "Error at line N in test Q:" and the test-file line a failure passed
    through; is that line always the one that introduces our message, never a helper call?"""
    for kind in ("mistakes", "blank"):
        lines = check_all_outputs[kind].splitlines()
        quoted = [lines[i + 1].strip() for i, line in enumerate(lines) if line.strip().startswith("Error at line")]
        assert quoted and set(quoted) == {QUOTED_LINE}, quoted


def test_one_mistake_per_question_shows_the_first_failure_in_full_and_one_line_after(check_all_outputs, dist):
    """With one mistake per question, does each question explain its first failure in full (with a
    hint) and every later failure in one line of message, so that check_all() stays short?"""
    summary = check_all_outputs["mistakes"]
    for question, names in public_names(dist).items():
        blocks = case_blocks(summary)[question]
        failed = [name for name in names if "❌ Test case failed" in blocks[name]]
        assert failed, question
        messages = {name: blocks[name][3:] for name in failed}  # after Otter's three lines
        assert any(line.startswith("Hint: ") for line in messages[failed[0]]), messages[failed[0]]
        for name in failed[1:]:
            assert len(messages[name]) == 1, messages[name]
    assert len(summary.splitlines()) <= LINES_PER_QUESTION * len(MISTAKES)


def test_the_blank_says_not_implemented_once_per_function(check_all_outputs):
    """Does check_all() on the blank say "not implemented yet" once per function, not once per case?"""
    summary = check_all_outputs["blank"]
    assert summary.count("not implemented yet") == len(FUNCTIONS)
    for name in FUNCTIONS:
        assert summary.count(f"`{name}` is not implemented yet.") == 1


def test_case_names_are_the_same_locally_and_in_our_results(check_all_outputs, dist, grade, solution_notebook):
    """Are the public case names Otter prints locally the explicit, descriptive ones, and the
    ones our grader reports, in the same order?"""
    names = public_names(dist)
    local = {question: list(cases) for question, cases in case_blocks(check_all_outputs["mistakes"]).items()}
    assert local == names
    assert not any(re.search(r" - \d+$", name) for cases in local.values() for name in cases)  # Otter's defaults
    results = grade({"mistakes": mistaken_notebook(solution_notebook)})["mistakes"]
    reported = {test["name"]: [case["name"] for case in test["extra_data"]["cases"] if not case["hidden"]]
                for test in results["tests"]}
    assert reported == local
    # Every question failed, so the table of each lists its public cases.
    for name in (name for cases in local.values() for name in cases):
        assert f"| {results_module._escape_text(name)} |" in results["output"], name


@pytest.mark.slow
def test_name_defined_in_a_later_cell_gets_a_cell_order_hint_locally(dist, solution_notebook, tmp_path):
    """Does a function that uses a name defined only in a later cell fail grader.check with a hint
    about cell order (Restart & Run All), once?"""
    cells = [c for c in graded_cells(solution_notebook) if "def sigmoid(" not in c and "def sigmoid_gradient(" not in c]
    sigmoid_cell = next(c for c in graded_cells(solution_notebook) if "def sigmoid(" in c)
    output = run_in_kernel(dist, tmp_path, cells + [SIGMOID_GRADIENT_USING_SIGMOID,
                                                    'grader.check("sigmoid_gradient")', sigmoid_cell])[-2]
    assert "`sigmoid_gradient` uses `sigmoid`, which is not defined." in output
    assert "defined in a later cell" in output and "Restart & Run All" in output
    assert output.count("Restart & Run All") == 1, output


def test_name_undefined_in_the_whole_notebook_gets_a_cell_order_hint_from_the_grader(grade, solution_notebook,
                                                                                     question_points):
    """In the grader, which ran the whole notebook: does a name defined in a later cell pass, and
    a name defined nowhere fail with a hint that explains cell order generically?"""
    later = with_cell_replaced(solution_notebook, "sigmoid_gradient", SIGMOID_GRADIENT_USING_SIGMOID)
    nowhere = with_cell_replaced(solution_notebook, "sigmoid_gradient",
                                 SIGMOID_GRADIENT_USING_SIGMOID.replace("sigmoid(x)", "logistic(x)"))
    results = grade({"later": later, "nowhere": nowhere})
    assert question_scores(results["later"])["sigmoid_gradient"] == question_points["sigmoid_gradient"]
    output = results["nowhere"]["output"]
    assert "uses `logistic`, which is not defined" in output
    assert "after every cell of your notebook had run from top to bottom" in output
    assert "Restart &amp; Run All" in output  # Markdown-escaped
