"""Do the test files of the gru_carry and gate_regimes questions grade by understanding?

The two templates are rendered as the build renders them, and their cases run in this process
on each entry of the bank (tests/gated_cells/files/implementations/<function>/, one notebook
cell per file, labelled with its severity as in the first assignment's bank), for several
grading seeds: the score of an entry is the share of its function's points it earns, and must
lie in its severity's band of assignment.yml's points policy. The grader's own path (sandbox,
proxies, results.json) is the bank test's concern; these tests pin the test files themselves.
"""

import ast
import functools
import os
import pathlib

import numpy as np
import pytest

from builder import render, test_files
from grader import otter_tests

from ..conftest import LOADED

ASSIGNMENT = LOADED["gated_cells"]
BANK = pathlib.Path(__file__).parent / "files" / "implementations"
# The question whose test file grades each function of this part of the bank.
QUESTION_OF = {
    "gru_step": "gru_carry",
    "gru_carry_jacobian": "gru_carry",
    "memory_steps": "gate_regimes",
    "forget_bias_for_memory": "gate_regimes",
    "cell_gradient_regime": "gate_regimes",
}
FILES = sorted(path for function in QUESTION_OF for path in (BANK / function).glob("*.py"))
BANDS = {policy["severity"]: (policy["min"], policy["max"]) for policy in ASSIGNMENT.points_policy}
SEEDS = ("0", "1", "2")
# keyword of a wrong entry's `hint:` line -> phrases its first failing public message must contain.
PHRASES = {
    "update_convention": ["other convention"],
    "gate_order": ["swapped"],
    "reset_after": ["reset applied after the product"],
    "no_reset": ["ignores the reset gate"],
    "gate_activation": ["z = sigmoid(a_z)"],
    "layout": ["x @ W.T"],
    "overflow_warning": ["floating-point warning", "overflow"],
    "not_float64": ["float64"],
    "vectors": ["a[..., :n]"],
    "mutates_input": ["modified its argument"],
    "carry_convention": ["prod diag(z_j)"],
    "factor_count": ["one factor too many"],
    "frozen_state": ["computed from h0"],
    "full_jacobian": ["full Jacobian"],
    "returns_vector": ["not the vector of products"],
    "identity_at_k_t": ["identity"],
    "threshold": ["exactly tolerance"],
    "one_too_few": ["one step too few"],
    "whole_number": ["whole number"],
    "steps_formula": ["smallest whole s"],
    "int_type": ["int"],
    "cancellation": ["expm1"],
    "approximation": ["approximation"],
    "gate_not_bias": ["logit"],
    "logit_over_steps": ["logit(tolerance) / steps"],
    "scalar_shape": ["should be a float"],
    "cell_path": ["cell path alone"],
    "norm": ["spectral norm"],
    "explodes_above_one": ["not above 1"],
    "wrong_string": ["exactly as written"],
    "returns_wrong_type": ["not the result of a comparison"],
    "empty_product": ["identity", "initial value"],
    "h_k_follows": ["hold h_k fixed"],
    "regime_factor_count": ["t - k = 9 factors"],
    "eigenvalue": ["spectral radius", "non-normal"],
}


@functools.cache
def rendered():
    """{question: test file source} as the build renders them for the bundle."""
    questions = [q for q in ASSIGNMENT.questions if q["name"] in set(QUESTION_OF.values())]
    return test_files.render_all(render.environment(ASSIGNMENT), questions, public={})


@functools.cache
def cases_of(function):
    """The cases of function's question that call it, from a fresh load of its test file."""
    question = QUESTION_OF[function]
    loaded = otter_tests.from_source(rendered()[question], f"{question}.py")
    return tuple(case for case in loaded.cases if function in case.parameters)


def load(path):
    """Exec one bank file in a fresh namespace (as a notebook cell) and return its function."""
    namespace = {"__name__": "student_cell"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[path.parent.name]


def docstring_lines(path):
    return [line.strip() for line in (ast.get_docstring(ast.parse(path.read_text())) or "").splitlines()]


def severity(path):
    (label,) = [line.split(": ", 1)[1] for line in docstring_lines(path) if line.startswith("severity: ")]
    return label


def keyword(path):
    (word,) = [line.split(": ", 1)[1] for line in docstring_lines(path) if line.startswith("hint: ")]
    return word


def run_cases(function, implementation, seed):
    """[(case, message or None)] for every case of function, at grading seed `seed`."""
    saved = os.environ.get("VG_GRADING_SEED")
    os.environ["VG_GRADING_SEED"] = seed
    try:
        rows = []
        for case in cases_of(function):
            try:
                case.function(**{name: implementation for name in case.parameters})
                rows.append((case, None))
            except AssertionError as failure:
                rows.append((case, str(failure)))
        return rows
    finally:
        if saved is None:
            del os.environ["VG_GRADING_SEED"]
        else:
            os.environ["VG_GRADING_SEED"] = saved


def score(rows):
    return sum(case.points for case, message in rows if message is None) / sum(case.points for case, _ in rows)


def ids(paths):
    return [f"{p.parent.name}/{p.stem}" for p in paths]


@pytest.mark.parametrize("function", QUESTION_OF)
@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_every_case(function, seed):
    """Does the reference pass every case, public and hidden, at every seed (the checks are not too strict)?"""
    failures = [(case.name, message) for case, message in run_cases(function, getattr(ASSIGNMENT.reference, function),
                                                                     seed) if message]
    assert not failures, failures


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_score_is_in_the_band_of_its_severity(path):
    """Does each bank entry score within its severity's band (nothing 0, wrong maths or form at most
    25 %, one flaw 50 to 99 %, correct 100 %) at every grading seed?"""
    low, high = BANDS[severity(path)]
    for seed in SEEDS:
        rows = run_cases(path.parent.name, load(path), seed)
        assert low <= score(rows) <= high, (seed, score(rows), [(c.name, m) for c, m in rows if m])


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_public_checks_predict_hidden_ones(path):
    """If an entry passes every public case of its function, does it pass every hidden one too?"""
    rows = run_cases(path.parent.name, load(path), SEEDS[0])
    if all(message is None for case, message in rows if not case.hidden):
        assert all(message is None for case, message in rows if case.hidden), [c.name for c, m in rows if m]


# Look-ups of the numbers the notebook states (the public inputs), anything else a constant.
LOOKUPS = {
    "memory_steps": """
def memory_steps(forget_gate, tolerance):
    known = {(0.9, 0.01): 44, (0.99, 0.001): 688, (0.5, 0.5 ** 10): 11, (0.75, 0.75 ** 5): 6}
    if abs(forget_gate - 0.7310585786300049) < 1e-12 and tolerance == 1e-3:
        return 23
    return known.get((forget_gate, tolerance), 1)
""",
    "forget_bias_for_memory": """
def forget_bias_for_memory(steps, tolerance):
    known = {(200, 1e-3): 3.348353539633844, (23, 1e-3): 1.0489252757310086, (1, 0.5): 0.0,
             (10 ** 8, 0.999): 25.32793581447108}
    return known.get((steps, tolerance), 1.0)
""",
}


@pytest.mark.parametrize("function", LOOKUPS)
def test_looking_up_the_stated_numbers_earns_nothing(function):
    """Does a function that looks up the numbers the notebook states pass every public case and earn 0:
    are the hidden cases fresh random inputs, never those numbers?"""
    namespace = {}
    exec(LOOKUPS[function], namespace)
    for seed in SEEDS:
        rows = run_cases(function, namespace[function], seed)
        assert all(message is None for case, message in rows if not case.hidden)
        assert score(rows) == 0


WRONG = [path for path in FILES if path.stem.startswith("wrong_")]


@pytest.mark.parametrize("path", WRONG, ids=ids(WRONG))
def test_public_feedback_names_the_mistake(path):
    """Does the first failing public case of each wrong entry name its mistake (the phrases of its hint keyword)?"""
    rows = run_cases(path.parent.name, load(path), SEEDS[0])
    messages = [message for case, message in rows if message and not case.hidden]
    assert messages, "no public case fails"
    for phrase in PHRASES[keyword(path)]:
        assert phrase.lower() in messages[0].lower(), (phrase, messages[0])


@pytest.mark.parametrize("path", [p for p in FILES if severity(p) in ("nothing", "math", "form")],
                         ids=ids([p for p in FILES if severity(p) in ("nothing", "math", "form")]))
def test_every_hidden_case_discriminates(path):
    """Does every hidden case fail each entry of wrong mathematics, wrong form or no attempt?"""
    rows = run_cases(path.parent.name, load(path), SEEDS[0])
    assert not [case.name for case, message in rows if case.hidden and message is None]


@pytest.mark.parametrize("function", QUESTION_OF)
def test_bank_has_every_kind(function):
    """Does each function have at least 4 correct, 4 do-nothing (one returning None) and 5 wrong entries?"""
    stems = [path.stem for path in FILES if path.parent.name == function]
    assert sum(s.startswith("correct_") for s in stems) >= 4
    assert sum(s.startswith("nothing_") for s in stems) >= 4 and "nothing_returns_none" in stems
    assert sum(s.startswith("wrong_") for s in stems) >= 5


@pytest.mark.parametrize("function", QUESTION_OF)
def test_public_cases_pay_nothing_and_hidden_ones_pay(function):
    """Are public cases worth 0 points, and do the hidden ones carry all of the function's points?"""
    cases = cases_of(function)
    assert all(case.points == 0 for case in cases if not case.hidden)
    assert sum(case.points for case in cases if case.hidden) > 0
    assert all(len(case.parameters) == 1 for case in cases)  # a case's score belongs to one function


@pytest.mark.parametrize("question", ["gru_carry", "gate_regimes"])
def test_public_version_holds_no_hidden_code(question):
    """Does the public version of each file (what students get) keep its public cases and drop every
    hidden case, hidden helper and use of the reference?"""
    source = rendered()[question]
    public = test_files.public_version(source)
    loaded = otter_tests.from_source(public, f"{question}.py")
    assert loaded.cases and not any(case.hidden for case in loaded.cases)
    assert "gated_cells_reference" not in public and "_hidden_" not in public
    assert len(loaded.cases) == sum(not case.hidden for case in otter_tests.from_source(source, "x.py").cases)


def test_public_gru_examples_are_the_reference_answers():
    """Are the expected values written into the gru_carry file the reference's answers on its inputs,
    and the saturated examples' answers those the reference gives?"""
    ref = ASSIGNMENT.reference
    found = {"__name__": "public_gru_carry"}
    exec(test_files.public_version(rendered()["gru_carry"]), found)
    W, U, b = found["_W"], found["_U"], found["_b"]
    np.testing.assert_allclose(ref.gru_step(found["_X_BATCH"], found["_H_BATCH"], W, U, b), found["_STEP_EXPECTED"],
                               rtol=1e-14)
    x, h0 = found["_X_SEQUENCE"], found["_H0"]
    for k, diagonal in enumerate(found["_CARRY_DIAGONALS"]):
        np.testing.assert_allclose(ref.gru_carry_jacobian(k, x, h0, W, U, b), np.diag(diagonal), rtol=1e-14)
        np.testing.assert_allclose(ref.gru_hidden_jacobian(k, x, h0, W, U, b), found["_FULL_JACOBIANS"][k],
                                   rtol=1e-12, atol=1e-15)
    saturated = found["_saturated"](b)
    np.testing.assert_array_equal(ref.gru_step(found["_X_BATCH"], found["_H_BATCH"], W, U, saturated),
                                  found["_saturated_step_expected"](found["_H_BATCH"]))
    for k, expected in enumerate(found["_saturated_carry_expected"](len(x))):
        np.testing.assert_array_equal(ref.gru_carry_jacobian(k, x, h0, W, U, saturated), expected)


def test_public_regime_examples_are_what_their_text_says():
    """Do the LSTMs worked out by hand in gate_regimes have the Jacobian norms their descriptions state
    and the reference's labels, and are the numbers the notebook states the reference's?"""
    ref = ASSIGNMENT.reference
    found = {"__name__": "public_gate_regimes"}
    exec(test_files.public_version(rendered()["gate_regimes"]), found)
    non_normal = np.linalg.norm(np.linalg.matrix_power(np.array([[0.9, 1.0], [0.0, 0.9]]), 9), 2)
    assert 3.85 < non_normal < 3.95
    sizes = [ref.sigmoid(-2.0) ** 10, ref.sigmoid(5.0) ** 10, 512.0, 0.0, 256.0, non_normal, 1.0]
    assert len(found["_PUBLIC_REGIMES"]) == len(sizes)
    for (what, k, args, tolerance, label, _hint), size in zip(found["_PUBLIC_REGIMES"], sizes):
        assert ref.cell_gradient_regime(k, *args, tolerance) == label, what
        assert np.linalg.norm(ref.full_cell_jacobian(k, *args), 2) == pytest.approx(size, rel=1e-9, abs=1e-12), what
    for forget_gate, tolerance, steps in found["_PUBLIC_STEPS"] + found["_PUBLIC_STEPS_AT_THRESHOLD"]:
        assert ref.memory_steps(forget_gate, tolerance) == steps
    for steps, tolerance, bias in found["_PUBLIC_BIASES"] + (found["_PUBLIC_LONG_MEMORY"],):
        assert ref.forget_bias_for_memory(steps, tolerance) == pytest.approx(bias, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("question", ["gru_carry", "gate_regimes"])
def test_otter_reads_the_files_as_the_grader_does(question, tmp_path):
    """Does Otter's own loader read the same cases, points and visibility from each file?"""
    from otter.test_files import ExceptionTestFile

    path = tmp_path / f"{question}.py"
    path.write_text(rendered()[question])
    ours = otter_tests.load(path)
    theirs = ExceptionTestFile.from_file(str(path))
    assert [(c.name, c.points, c.hidden) for c in ours.cases] == \
        [(c.name, c.points, c.hidden) for c in theirs.test_cases]
