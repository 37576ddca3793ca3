"""Are our test files still Otter test files, graded the same by stock Otter-Grader?

* Our loader (grader/otter_tests.py, which does not import Otter) reads every test file
  as Otter's own ``otter.test_files.ExceptionTestFile.from_file`` does: case names, points,
  hidden flags, order.
* ``otter run`` (Otter 7.0.0 of .venv) on an Otter autograder zip made by ``otter generate``
  from our bundle's test files (bench/otter_bundle.py) gives honest submissions the same
  per-question scores as our grader. Under ``otter run`` the notebook runs in a Jupyter kernel
  and its own ``grader.check(...)`` cells, in Otter's grading mode, run the full test files
  (hidden cases included); Otter reports those results (it runs a test file again at the end
  only if no ``grader.check`` did). So this also shows that the test files work unchanged
  with ``grader.check`` in the notebook.

Honest submissions only, and mistakes that fixed inputs catch: our grader seeds its random
inputs per submission (VG_GRADING_SEED), Otter leaves the variable unset (seed 0), so a
mistake that only some random inputs reveal may cost points under one grader and not the
other. The shipped notebook needs no Otter metadata for ``otter run`` (our Otter config sets
no ``assignment_name``); it only has to keep the file name its ``otter.Notebook(...)`` gives.
"""

import concurrent.futures
import json
import pathlib
import subprocess
import sys
import warnings
import zipfile

import dill
import nbformat
import pytest

from bench import otter_bundle
from builder import config
from grader import otter_tests

from ..conftest import ASSIGNMENT, QUESTION_OF, question_scores, with_cell_replaced

with warnings.catch_warnings():  # Otter's import trips a traitlets DeprecationWarning
    warnings.simplefilter("ignore", DeprecationWarning)
    from otter.test_files import ExceptionTestFile

BANK = pathlib.Path(__file__).parent / "files" / "implementations"
OTTER_TIMEOUT = 150  # seconds for one `otter run` (about 5 s on an idle machine)

# The solution and one realistic mistake per question, each caught by fixed inputs so that
# its cost does not depend on the random seed: both graders must take the same points off.
HONEST = {
    "solution": None,
    "sigmoid_returns_sigmoid": "sigmoid_gradient/wrong_returns_sigmoid",
    "prod_transposed_jacobian": "prod/wrong_transposed_jacobian",
    "clip_per_array": "clip_gradients/wrong_per_array_clipping",
    "steps_capped_at_max_norm": "step_lengths/wrong_caps_step_at_max_norm",
    "regime_spectral_radius": "explosion_regime/wrong_spectral_radius_for_both",
}


def honest_notebook(solution_notebook, implementation):
    if implementation is None:
        return solution_notebook
    function, stem = implementation.split("/")
    return with_cell_replaced(solution_notebook, function, (BANK / function / f"{stem}.py").read_text())


# --------------------------------------------------------------------------- the loader


def otter_view(path):
    loaded = ExceptionTestFile.from_file(str(path))
    return loaded.name, [(case.name, case.points, case.hidden) for case in loaded.test_cases]


def our_view(path):
    loaded = otter_tests.load(path)
    return loaded.name, [(case.name, case.points, case.hidden) for case in loaded.cases]


def test_loader_reads_every_test_file_as_otter_does(bundle, dist, tmp_path):
    """Do our loader and Otter's read the same cases (names, points, hidden, order) from every
    full test file of the bundle and every public test file of the student release?"""
    otter_bundle.otter_sources(bundle, tmp_path)
    full = sorted((tmp_path / "tests").glob("*.py"))
    public = sorted((dist / "student" / "vanishing_gradients" / "tests").glob("*.py"))
    assert len(full) == len(public) == len(config.load(ASSIGNMENT).questions)
    for path in full + public:
        name, cases = otter_view(path)
        assert our_view(path) == (name, cases), path
        assert cases and name == path.stem
        assert otter_tests.load(path).points == ExceptionTestFile.from_file(str(path)).possible
    for full_path, public_path in zip(full, public):
        full_cases, public_cases = otter_view(full_path)[1], otter_view(public_path)[1]
        assert any(hidden for _, _, hidden in full_cases), full_path
        assert public_cases == [case for case in full_cases if not case[2]], public_path


def test_loader_defaults_match_otter(tmp_path):
    """Unnamed cases, an explicit name and the `hidden` default: read the same as Otter?"""
    path = tmp_path / "q.py"
    path.write_text(
        "from otter.test_files import test_case\n"
        "OK_FORMAT = False\nname = 'q'\npoints = None\n\n"
        "@test_case(points=1)\ndef a(x):\n    assert x\n\n"
        "@test_case(name='named', points=2.5, hidden=True)\ndef b(x):\n    assert x\n\n"
        "@test_case(points=0, hidden=False)\ndef c(x):\n    assert x\n"
    )
    assert our_view(path) == otter_view(path) == (
        "q", [("q - 1", 1, False), ("named", 2.5, True), ("q - 3", 0, False)]
    )


# --------------------------------------------------------------------------- otter run


def run_otter_pickled(otter_zip, notebook, folder):
    """`otter run` on notebook, saved under the name the notebook expects: results.json as a
    dict and the pickled GradingResults, whose .notebook is the notebook Otter executed."""
    folder.mkdir(parents=True)
    submission = folder / f"{ASSIGNMENT}.ipynb"  # the name otter.Notebook(...) in the notebook expects
    nbformat.write(notebook, submission)
    out = folder / "out"
    out.mkdir()
    command = otter_bundle.otter_run_command(sys.executable, otter_zip, submission, out) + ["--pickle-results"]
    for attempt in (1, 2):
        try:
            completed = subprocess.run(command, cwd=out, env=otter_bundle.clean_environment(),
                                       capture_output=True, text=True, timeout=OTTER_TIMEOUT, check=False)
            break
        except subprocess.TimeoutExpired:
            # Otter sets no cell timeout: on a loaded machine a Jupyter kernel very rarely
            # hangs for good (seen once in many runs); a second run has always worked.
            if attempt == 2:
                raise
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    with open(out / "results.pkl", "rb") as handle:
        pickled = dill.load(handle)
    return json.loads((out / "results.json").read_text()), pickled


@pytest.fixture(scope="module")
def otter_zip(bundle, tmp_path_factory):
    return otter_bundle.build(bundle, tmp_path_factory.mktemp("otter") / "otter-autograder.zip")


def test_otter_bundle_is_made_of_our_test_files(bundle, otter_zip):
    """Does the Otter zip hold our test files byte for byte, the reference module as a support
    file, and Otter's own scaffolding?"""
    with zipfile.ZipFile(bundle) as ours, zipfile.ZipFile(otter_zip) as otter:
        our_tests = {n: ours.read(n) for n in ours.namelist() if n.startswith("tests/")}
        assert {n: otter.read(n) for n in otter.namelist() if n.startswith("tests/")} == our_tests
        reference = "vanishing_gradients_reference.py"
        assert otter.read(f"files/{reference}") == ours.read(reference)
        scaffolding = {"otter_config.json", "environment.yml", "run_autograder", "run_otter.py", "setup.sh"}
        assert scaffolding <= set(otter.namelist())
        assert b"otter-grader[grading,plugins]==7.0.0" in otter.read("environment.yml")


def check_scores(stem, ours, otter_json, question_points):
    """The same per-question scores under both graders, and the ones the mistake should cost."""
    scores = question_scores(ours)
    assert otter_bundle.otter_scores(otter_json) == scores, (otter_json, ours.get("output"))
    assert ours["score"] == sum(scores.values())
    if HONEST[stem] is None:
        assert scores == question_points
    else:
        question = QUESTION_OF[HONEST[stem].split("/")[0]]
        assert scores[question] < question_points[question]
        assert 0 < ours["score"] < sum(question_points.values())


def check_grader_check_cells(otter_json, pickled, question_points):
    """Every grader.check cell ran its full test file in Otter's kernel, without an error,
    saying "All test cases passed" exactly for the questions with full marks."""
    scores = otter_bundle.otter_scores(otter_json)
    executed = pickled.notebook
    checks = [c for c in executed.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
    assert sorted(c.source.split('"')[1] for c in checks) == sorted(question_points)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    for cell in checks:
        question = cell.source.split('"')[1]
        shown = "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert shown.startswith(f"{question} results:"), shown[:300]
        assert ("All test cases passed" in shown) == (scores[question] == question_points[question]), shown[:500]


def test_otter_run_grades_honest_notebooks_as_we_do(grade, solution_notebook, otter_zip, question_points,
                                                    tmp_path):
    """For the solution and each honest mistake: does stock `otter run` give the same
    per-question scores as our grader, with the notebook's own grader.check cells doing the
    grading in Otter's kernel? (One test, so that pytest-xdist runs Otter once per notebook.)"""
    notebooks = {stem: honest_notebook(solution_notebook, impl) for stem, impl in HONEST.items()}

    def otter(stem):
        return run_otter_pickled(otter_zip, notebooks[stem], tmp_path / stem)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        otter_results = dict(zip(notebooks, pool.map(otter, notebooks)))
    ours = grade(notebooks)
    for stem in notebooks:
        otter_json, pickled = otter_results[stem]
        try:
            check_scores(stem, ours[stem], otter_json, question_points)
            check_grader_check_cells(otter_json, pickled, question_points)
        except AssertionError as error:
            raise AssertionError(f"notebook {stem!r} ({HONEST[stem] or 'the solution'}): {error}") from None
