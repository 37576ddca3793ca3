"""Is the bank of student implementations in tests/gated_cells/files/implementations/ what it claims,
and do the gated cells test files score it by understanding?

Each file there is one self-contained student notebook cell defining the function its folder is
named after; every folder is a graded function of one question (QUESTION_OF). ``correct_*`` files
are different but correct approaches, ``wrong_*`` files make one realistic mistake, named on the
``hint:`` line of their docstring, ``nothing_*`` files do nothing useful. Every docstring carries a
``severity:`` line, and the score of the function's cases must fall in its band (the points policy
of assignment.yml): nothing 0; wrong mathematics or form at most 25 %; one flaw 50 to 99 %; correct
100 %. The hidden cases compare with the reference on fresh random inputs (test_reference.py
checks the reference against complex-step derivatives of the forward pass), so a correct entry
scoring 100 % is its agreement with the reference on random LSTMs and GRUs of varied shapes.

The test files are the build's, rendered with the assignment's public data, and run here in this
process: each case is called as Otter calls it, with the solution's functions (the reference's)
for every parameter and the bank entry for its own function, under two grading seeds. The entries
nearest the edges of their bands (every correct and flaw entry) are also graded through `make
grade`'s path, pasted over the solution notebook's own cell, and must keep their band there.
"""

import ast
import functools
import json
import os
import pathlib
import re

import jsonschema
import nbformat
import pytest

from ..conftest import LOADED, RESULTS_SCHEMA, make_grade, notebook_text, rendered_tests, with_cell_replaced

ASSIGNMENT = LOADED["gated_cells"]
BANK = pathlib.Path(__file__).parent / "files" / "implementations"
# The question whose test file grades each function of the bank (BANK/<function>/).
QUESTION_OF = {
    "lstm_step": "lstm_step",
    "cell_path_jacobian": "cell_path",
    "full_cell_jacobian": "full_jacobian",
    "gru_step": "gru_carry",
    "gru_carry_jacobian": "gru_carry",
    "memory_steps": "gate_regimes",
    "forget_bias_for_memory": "gate_regimes",
    "cell_gradient_regime": "gate_regimes",
}
FUNCTIONS = sorted(path.name for path in BANK.iterdir() if path.is_dir())
MIN_WRONG, MIN_CORRECT, MIN_NOTHING = 5, 3, 3
BANDS = {policy["severity"]: (policy["min"], policy["max"]) for policy in ASSIGNMENT.points_policy}
SEVERITY = re.compile(rf"^severity: ({'|'.join(BANDS)})$")
HINT = re.compile(r"^hint: ([a-z][a-z0-9_]*)$")
ALLOWED_IMPORTS = {"numpy", "math", "functools"}
GRADING_SEEDS = ("0", "20261203")

# (function, hint keyword) -> a phrase the failure messages of the entry must contain: the
# feedback names the mistake, not only that the answer is wrong.
PHRASES = {
    ("lstm_step", "gate_order"): "stacked f, i, g, o",
    ("lstm_step", "layout"): "samples are rows",
    ("lstm_step", "output_gate_in_cell"): "uses the output gate",
    ("lstm_step", "no_forget_gate"): "misses the forget gate",
    ("lstm_step", "no_tanh"): "misses the tanh",
    ("lstm_step", "old_cell"): "previous cell state",
    ("lstm_step", "sigmoid_candidate"): "candidate g_t uses the sigmoid",
    ("lstm_step", "no_bias"): "miss the bias",
    ("lstm_step", "swapped"): "you returned (c, h)",
    ("lstm_step", "tuple"): "a tuple of two arrays",
    ("lstm_step", "globals"): "is not defined",
    ("lstm_step", "overflow"): "overflow",
    ("lstm_step", "not_float64"): "float64",
    ("lstm_step", "mutates"): "must not change their inputs",
    ("lstm_step", "vectors"): "one sample may come as vectors",
    ("cell_path_jacobian", "factor_count"): "exactly t - k factors",
    ("cell_path_jacobian", "gate_order"): "uses the input gates",
    ("cell_path_jacobian", "output_gate"): "uses the output gates",
    ("cell_path_jacobian", "mean"): "mean of each forget gate",
    ("cell_path_jacobian", "sum"): "np.diag of their product",
    ("cell_path_jacobian", "recurrence"): "ignore the recurrent input",
    ("cell_path_jacobian", "shifted_states"): "computed from the wrong states",
    ("cell_path_jacobian", "vector"): "wrap the vector in np.diag",
    ("cell_path_jacobian", "identity"): "identity matrix",
    ("cell_path_jacobian", "overflow"): "overflow",
    ("cell_path_jacobian", "not_float64"): "float64",
    ("cell_path_jacobian", "mutates"): "must not change their inputs",
    ("full_cell_jacobian", "cell_path"): "the cell path alone",
    ("full_cell_jacobian", "total"): "holds h_k fixed",
    ("full_cell_jacobian", "no_output_term"): "output gate's term",
    ("full_cell_jacobian", "no_h_chain"): "term through the cell",
    ("full_cell_jacobian", "forget_slope"): "factor c_{j-1}",
    ("full_cell_jacobian", "candidate_slope"): "candidate is a tanh",
    ("full_cell_jacobian", "reversed"): "reverse order",
    ("full_cell_jacobian", "transpose"): "transpose",
    ("full_cell_jacobian", "hh_block"): "h-h block",
    ("full_cell_jacobian", "factor_count"): "exactly t - k factors",
    ("full_cell_jacobian", "block"): "only the c-c block",
    ("full_cell_jacobian", "overflow"): "overflow",
    ("full_cell_jacobian", "not_float64"): "float64",
    ("full_cell_jacobian", "identity"): "identity matrix",
    ("full_cell_jacobian", "mutates"): "must not change their inputs",
}
# Functions whose wrong entries must each have their phrase in PHRASES.
NAMED_MISTAKES = ("lstm_step", "cell_path_jacobian", "full_cell_jacobian")


def bank_files(kind=None, function=None):
    """Sorted paths of bank files, optionally only of one kind (wrong, correct, nothing) or function."""
    return [path for path in sorted(BANK.glob("*/*.py"))
            if (kind is None or path.stem.startswith(kind + "_"))
            and (function is None or path.parent.name == function)]


def docstring_lines(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return [line.strip() for line in doc.strip().splitlines()]


def severity(path):
    labels = [SEVERITY.match(line).group(1) for line in docstring_lines(path) if SEVERITY.match(line)]
    assert len(labels) == 1, f"{path.name}: one `severity: <label>` line expected"
    return labels[0]


def hint(path):
    return next(HINT.match(line).group(1) for line in docstring_lines(path) if HINT.match(line))


def load(path):
    """Exec one file in a fresh namespace (as a notebook cell) and return its function."""
    namespace = {"__name__": "student_cell"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[path.parent.name]


@functools.cache
def rendered_cases():
    """{question: [Case]} of the build's test files for the bank's questions."""
    from grader import otter_tests

    questions = [q for q in ASSIGNMENT.questions if q["name"] in set(QUESTION_OF.values())]
    return {question: otter_tests.from_source(source, f"{question}.py").cases
            for question, source in rendered_tests(ASSIGNMENT, questions).items()}


def function_cases(function):
    return [case for case in rendered_cases()[QUESTION_OF[function]] if function in case.parameters]


def run_case(case, namespace):
    """(passed, failure message) of one case, called as Otter calls it."""
    try:
        case.function(**{name: namespace.get(name) for name in case.parameters})
    except AssertionError as failure:
        return False, str(failure)
    return True, ""


@functools.cache
def graded(function, path=None):
    """[(case, passed, message)] of the function's cases for the bank entry at path (the reference
    itself when None), for every grading seed; the other functions are the solution's."""
    namespace = {name: getattr(ASSIGNMENT.reference, name) for name in dir(ASSIGNMENT.reference)}
    if path is not None:
        namespace[function] = load(path)
    rows = []
    saved = os.environ.get("VG_GRADING_SEED")
    try:
        for seed in GRADING_SEEDS:
            os.environ["VG_GRADING_SEED"] = seed
            rows += [(case, *run_case(case, namespace)) for case in function_cases(function)]
    finally:
        if saved is None:
            os.environ.pop("VG_GRADING_SEED", None)
        else:
            os.environ["VG_GRADING_SEED"] = saved
    return rows


def score(rows):
    """The lowest share of the function's points over the grading seeds."""
    per_seed = len(rows) // len(GRADING_SEEDS)
    shares = []
    for start in range(0, len(rows), per_seed):
        seed_rows = rows[start:start + per_seed]
        earned = sum(case.points for case, ok, _ in seed_rows if ok)
        shares.append(earned / sum(case.points for case, _, _ in seed_rows))
    return min(shares)


def _ids(paths):
    return [f"{path.parent.name}/{path.stem}" for path in paths]


ALL_FILES = bank_files()


# --------------------------------------------------------------------------- the bank's shape


def test_every_function_directory_belongs_to_a_question():
    """Is every folder of the bank a function that a question of assignment.yml grades, and does that
    question's test file have cases calling it?"""
    assert FUNCTIONS
    questions = {q["name"] for q in ASSIGNMENT.questions}
    for function in FUNCTIONS:
        assert function in QUESTION_OF, f"map the bank folder {function} to its question in QUESTION_OF"
        assert QUESTION_OF[function] in questions, function
        assert function_cases(function), function


def test_every_file_is_wrong_correct_or_nothing():
    """Is every bank file named <function>/<wrong|correct|nothing>_<slug>.py?"""
    for path in BANK.rglob("*"):
        if path.is_file():
            assert path.parent.parent == BANK and path.suffix == ".py", path
            assert re.fullmatch(r"(wrong|correct|nothing)_[a-z0-9_]+", path.stem), path


@pytest.mark.parametrize("function", FUNCTIONS)
def test_bank_has_enough_implementations(function):
    """Does each function have enough wrong, correct and do-nothing entries (a None among them)?"""
    assert len(bank_files("wrong", function)) >= MIN_WRONG
    assert len(bank_files("correct", function)) >= MIN_CORRECT
    assert len(bank_files("nothing", function)) >= MIN_NOTHING
    assert any("none" in path.stem for path in bank_files("nothing", function))


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_file_is_a_single_notebook_cell(path):
    """Is the file a docstring, imports and exactly one top-level def of the graded name, no print?"""
    tree = ast.parse(path.read_text())
    body = tree.body
    assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert isinstance(body[0].value.value, str), "first statement must be the docstring"
    assert [node.name for node in body[1:] if isinstance(node, ast.FunctionDef)] == [path.parent.name]
    for node in body[1:]:
        if isinstance(node, ast.Import):
            assert {alias.name.split(".")[0] for alias in node.names} <= ALLOWED_IMPORTS, ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module.split(".")[0] in ALLOWED_IMPORTS, ast.dump(node)
        else:
            assert isinstance(node, ast.FunctionDef), f"top-level side effect: {ast.dump(node)}"
    assert "print" not in {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_docstring_describes_the_file(path):
    """Does the docstring say what the file does, with a hint keyword exactly on wrong files and a
    severity label that agrees with the file's kind?"""
    lines = docstring_lines(path)
    assert lines and lines[0] and not lines[0].startswith(("hint:", "severity:"))
    hints = [line for line in lines if line.startswith("hint:")]
    kind = path.stem.split("_")[0]
    if kind == "wrong":
        assert len(hints) == 1 and HINT.match(hints[0]), lines
        assert severity(path) in ("math", "form", "flaw")
    else:
        assert hints == [], lines
        assert severity(path) == kind


# --------------------------------------------------------------------------- scores by understanding


@pytest.mark.parametrize("function", FUNCTIONS)
def test_reference_scores_full_marks(function):
    """Does the reference pass every case of its function (the checks are not too strict)?"""
    failed = [(case.name, message) for case, ok, message in graded(function) if not ok]
    assert not failed, failed


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_score_is_in_the_band_of_its_severity(path):
    """Does each entry score within the band of its severity (nothing 0, wrong maths or form at most
    25 %, one flaw 50 to 99 %, correct 100 %), under every grading seed?"""
    rows = graded(path.parent.name, path)
    low, high = BANDS[severity(path)]
    failed = [case.name for case, ok, _ in rows if not ok]
    assert low <= score(rows) <= high, f"{severity(path)} entry scored {score(rows):.1%}; failed {failed}"


FLAW_FILES = [path for path in bank_files("wrong") if severity(path) == "flaw"]
# Seeds beyond GRADING_SEEDS: a numerical slip must not lose the mathematics' points on the few random
# networks whose answers are ill-conditioned (paths that cancel, gates near saturation). The last two
# drew such networks for full_cell_jacobian and gru_step when float32 rounding could fail them.
MANY_SEEDS = [str(seed) for seed in range(1, 29)] + ["2681766332215484795", "7081961009103133593"]


@pytest.mark.parametrize("path", FLAW_FILES, ids=_ids(FLAW_FILES))
def test_flaw_keeps_its_band_under_many_seeds(path):
    """Does a one-flaw entry (a numerical slip among them) score 50 to 99 % under each of 30 more
    grading seeds, whatever random networks they draw?"""
    namespace = {name: getattr(ASSIGNMENT.reference, name) for name in dir(ASSIGNMENT.reference)}
    namespace[path.parent.name] = load(path)
    cases = function_cases(path.parent.name)
    low, high = BANDS["flaw"]
    outside = {}
    with pytest.MonkeyPatch.context() as patch:
        for seed in MANY_SEEDS:
            patch.setenv("VG_GRADING_SEED", seed)
            passed = [case for case in cases if run_case(case, namespace)[0]]
            share = sum(case.points for case in passed) / sum(case.points for case in cases)
            if not low <= share <= high:
                outside[seed] = round(share, 3)
    assert not outside, f"scores outside the flaw band by seed: {outside}"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_public_checks_predict_hidden_ones(path):
    """If an entry passes every public case of its function, does it pass every hidden one too?"""
    rows = graded(path.parent.name, path)
    public_pass = all(ok for case, ok, _ in rows if not case.hidden)
    failed_hidden = [case.name for case, ok, _ in rows if case.hidden and not ok]
    assert not (public_pass and failed_hidden), failed_hidden


@pytest.mark.parametrize("function", FUNCTIONS)
def test_public_cases_earn_nothing_and_hidden_ones_pay(function):
    """Are public cases worth 0 points, and do the hidden cases of the function pay?"""
    cases = function_cases(function)
    assert all(case.points == 0 for case in cases if not case.hidden)
    assert sum(case.points for case in cases if case.hidden) > 0


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_hidden_case_discriminates(function):
    """Does every hidden case fail every entry of wrong mathematics, wrong form or no attempt?"""
    for path in bank_files(function=function):
        if severity(path) in ("nothing", "math", "form"):
            passed = [case.name for case, ok, _ in graded(function, path) if case.hidden and ok]
            assert not passed, (path.stem, passed)


WRONG_NAMED = [path for path in bank_files("wrong") if path.parent.name in NAMED_MISTAKES]


@pytest.mark.parametrize("path", WRONG_NAMED, ids=_ids(WRONG_NAMED))
def test_feedback_names_the_mistake(path):
    """Does the feedback on a wrong entry name its mistake (the phrase of its hint keyword)?"""
    phrase = PHRASES.get((path.parent.name, hint(path)))
    assert phrase, f"add ({path.parent.name!r}, {hint(path)!r}) to PHRASES"
    messages = "\n".join(message for _, ok, message in graded(path.parent.name, path) if not ok)
    assert phrase.lower() in messages.lower(), messages[:3000]


# --------------------------------------------------------------------------- through `make grade`

EDGE_FILES = bank_files("correct") + [path for path in bank_files("wrong") if severity(path) == "flaw"]


@pytest.fixture(scope="module")
def graded_notebooks(dist, tmp_path_factory):
    """{function__stem: results.json} of the correct and flaw entries pasted over the solution notebook's
    cell, graded with the assignment's bundle through `make grade`'s path, and of the solution itself."""
    from builder import notebooks

    solution = notebooks.run_pipeline(notebook_text(ASSIGNMENT), notebooks.SOLUTION_PIPELINE)
    folder, out = tmp_path_factory.mktemp("gated-bank"), tmp_path_factory.mktemp("gated-results")
    nbformat.write(solution, folder / "solution.ipynb")
    for path in EDGE_FILES:
        nbformat.write(with_cell_replaced(solution, path.parent.name, path.read_text()),
                       folder / f"{path.parent.name}__{path.stem}.ipynb")
    completed = make_grade(dist, folder, out, assignment=ASSIGNMENT.name)
    assert completed.returncode == 0, completed.stderr
    results = {}
    for path in out.glob("*.json"):
        results[path.stem] = json.loads(path.read_text())
        jsonschema.validate(results[path.stem], RESULTS_SCHEMA)
    return results


@pytest.mark.slow
def test_solution_notebook_scores_full_marks(graded_notebooks):
    """Does the solution notebook earn every auto-graded point through `make grade`?"""
    assert graded_notebooks["solution"]["score"] == sum(q["points"] for q in ASSIGNMENT.questions)


@pytest.mark.slow
@pytest.mark.parametrize("path", EDGE_FILES, ids=_ids(EDGE_FILES))
def test_band_holds_through_make_grade(graded_notebooks, path):
    """Does a correct or flaw entry, graded in its notebook by the bundle, keep its band on its question?"""
    results = graded_notebooks[f"{path.parent.name}__{path.stem}"]
    question = QUESTION_OF[path.parent.name]
    test = next(t for t in results["tests"] if t["name"] == question)
    passed = {case["name"]: case["passed"] for case in test["extra_data"]["cases"]}
    cases = function_cases(path.parent.name)
    share = sum(case.points for case in cases if passed[case.name]) / sum(case.points for case in cases)
    low, high = BANDS[severity(path)]
    assert low <= share <= high, f"{severity(path)} entry scored {share:.1%} on {question}: {test['output'][:2000]}"
