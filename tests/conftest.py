"""Shared fixtures: one build per test session, and grading through `make grade`'s path.

Every assignment of assignments/*/ is built; the toolkit's tests (tests/grader, tests/classroom,
tests/builder) grade with ASSIGNMENT's bundle and bank. Loading the assignments makes their
reference modules importable by name, as hidden tests and the assignments' own tests import them.
"""

import contextlib
import fcntl
import json
import os
import pathlib
import subprocess
import sys
import zipfile

import jsonschema
import nbformat
import pytest

from builder import __main__ as build
from builder import config, notebooks, render
from grader.results import question_scores  # noqa: F401 - the tests' way to read scores

REPO = pathlib.Path(__file__).resolve().parents[1]
ASSIGNMENTS = config.discover(REPO)
LOADED = {name: config.load(name) for name in ASSIGNMENTS}
for _assignment in LOADED.values():
    _assignment.reference  # noqa: B018 - importable by its name from here on
ASSIGNMENT = "vanishing_gradients"  # the toolkit's tests grade with this assignment
BANK = REPO / "tests" / ASSIGNMENT / "files" / "implementations"
IMPLEMENTATIONS = sorted(BANK.glob("*/*.py"))
# The question whose test file grades each function of the bank (BANK/<function>/).
QUESTION_OF = {
    "sigmoid_gradient": "sigmoid_gradient",
    "prod": "prod",
    "clip_gradients": "clip_gradients",
    "step_lengths": "step_lengths",
    "safe_scale": "conditions",
    "vanishing_horizon": "conditions",
    "non_normal_trap": "conditions",
    "explosion_regime": "conditions",
}
# Student code that throws Markdown, HTML and backticks at the feedback.
HOSTILE_CLIP = '''
def clip_gradients(grads, max_norm):
    raise ValueError("```\\n</pre><script>alert(1)</script> | **bold** [link](http://x) <img src=x> `tick`")
'''
# Small limits for the adversarial corpus, so it runs in well under a minute on two cores.
FAST_LIMITS = {
    "cell_seconds": 1.5,
    "notebook_seconds": 6,
    "call_seconds": 1,
    "case_seconds": 4,
    "total_seconds": 30,
    "output_kb": 64,
    "processes": 32,
}
# Fixtures that execute notebooks in kernels, grade through sandboxes or start a browser: every
# test that uses one (directly or through another fixture) is marked slow, and `make test-fast` skips it.
SLOW_FIXTURES = {"full_dist", "grade", "fast_source", "graded_class", "mixed", "exported", "otter_zip", "chromium",
                 "tiny_dist", "check_all_outputs"}
RESULTS_SCHEMA = json.loads((REPO / "tests" / "schemas" / "gradescope_results.schema.json").read_text())



@pytest.fixture(scope="session")
def chromium():
    """Chromium and an offline MathJax for the browser tests, or a skip that says how to get them
    (session-scoped, so that it is decided before the session's build fixtures are made)."""
    from . import browser

    missing = [hint for found, hint in ((browser.find_chromium(), browser.INSTALL_HINT),
                                        (browser.local_mathjax(), browser.MATHJAX_HINT)) if found is None]
    if missing:
        if os.environ.get("VG_REQUIRE_BROWSER"):
            pytest.fail(" ".join(missing) + " (VG_REQUIRE_BROWSER is set: the browser tests must run)")
        pytest.skip(" ".join(missing))
    return browser.find_chromium()

def assignment_module(name, module):
    """A module of assignments/<name>/ (its claims, public data...), as its build.py imports it."""
    return LOADED[name].module(module)


def notebook_text(assignment):
    """The notebook template's text for this (possibly changed) assignment, as the build renders it."""
    return build.notebook_text(render.environment(assignment), assignment, build.facts(assignment))


def rendered_tests(assignment, questions=None):
    """{question: full test file source} as the build renders them (for these questions, if given)."""
    public = assignment.hooks.public_inputs(assignment.parameters)
    return build.test_files.render_all(render.environment(assignment), questions or assignment.questions, public)


def make_grade_command(dist, submissions, out, assignment=ASSIGNMENT, jobs=2):
    """`make grade`'s command line (python -m classroom) on the bundles in dist."""
    return [sys.executable, "-m", "classroom", "--dist", str(dist), "--submissions", str(submissions),
            "--out", str(out), "--jobs", str(jobs)] + (["--assignment", assignment] if assignment else [])


def make_grade(dist, submissions, out, assignment=ASSIGNMENT, jobs=2, extra_env=None):
    """`make grade` on the bundles in dist; the completed process."""
    return subprocess.run(make_grade_command(dist, submissions, out, assignment, jobs), capture_output=True,
                          text=True, env={**os.environ, **(extra_env or {})}, check=False)


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """A fresh build of every assignment (solution notebooks not executed: tests/builder/test_build.py
    executes them)."""
    folder = tmp_path_factory.mktemp("dist")
    for name in ASSIGNMENTS:
        build.build(name, folder, execute=False)
    return folder


@pytest.fixture(scope="session")
def bundle(dist):
    return dist / "autograder" / f"{ASSIGNMENT}-autograder.zip"


@pytest.fixture(scope="session")
def solution_notebook():
    """The solution notebook as the build makes it, before execution."""
    text = notebook_text(LOADED[ASSIGNMENT])
    return notebooks.run_pipeline(text, notebooks.SOLUTION_PIPELINE)


@pytest.fixture(scope="session")
def student_notebook(dist):
    return nbformat.read(dist / "student" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture(scope="session")
def question_points():
    return {q["name"]: q["points"] for q in LOADED[ASSIGNMENT].questions}


@pytest.fixture(scope="session")
def grade(dist, tmp_path_factory):
    """grade({stem: notebook or bytes}) -> {stem: results}, through `make grade`'s code path.

    Every results file is validated against Gradescope's schema on the way.
    """

    def run(submissions, jobs=2):
        folder = tmp_path_factory.mktemp("submissions")
        out = tmp_path_factory.mktemp("results")
        for stem, notebook in submissions.items():
            path = folder / f"{stem}.ipynb"
            if isinstance(notebook, bytes):
                path.write_bytes(notebook)
            else:
                nbformat.write(notebook, path)
        completed = make_grade(dist, folder, out, jobs=jobs)
        assert completed.returncode == 0, completed.stderr
        results = {}
        for stem in submissions:
            data = json.loads((out / f"{stem}.json").read_text())
            jsonschema.validate(data, RESULTS_SCHEMA)
            results[stem] = data
        assert (out / "grades.csv").read_text().count("\n") == len(submissions) + 1
        return results

    return run


@contextlib.contextmanager
def once_per_run(tmp_path_factory, name):
    """A folder made once per test run and shared by all pytest-xdist workers: yields
    (folder, done); the first worker makes it (and marks it done), the others wait for it."""
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of a run
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = shared / name
        done = (folder / ".done").exists()
        folder.mkdir(exist_ok=True)
        yield folder, done
        (folder / ".done").touch()


@pytest.fixture(scope="session")
def full_dist(tmp_path_factory):
    """A complete build, solution notebook executed, as `make` makes it (once per run)."""
    with once_per_run(tmp_path_factory, "full-dist") as (folder, done):
        if not done:
            for name in ASSIGNMENTS:
                build.build(name, folder, execute=True)
    return folder


@pytest.fixture(scope="session")
def bank_results(grade, solution_notebook, tmp_path_factory):
    """Every bank implementation pasted over the solution's own, the solution itself and a
    hostile one, graded in one batch (once per run)."""
    with once_per_run(tmp_path_factory, "bank") as (folder, done):
        if not done:
            submissions = {
                f"{path.parent.name}__{path.stem}":
                    with_cell_replaced(solution_notebook, path.parent.name, path.read_text())
                for path in IMPLEMENTATIONS
            }
            submissions["solution"] = solution_notebook
            submissions["hostile"] = with_cell_replaced(solution_notebook, "clip_gradients", HOSTILE_CLIP)
            (folder / "results.json").write_text(json.dumps(grade(submissions)))
        return json.loads((folder / "results.json").read_text())


def with_cell_replaced(notebook, function_name, source):
    """A copy of notebook whose cell defining `function_name` holds `source` instead."""
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cells = [c for c in copy.cells if c.cell_type == "code" and f"def {function_name}(" in c.source]
    assert len(cells) == 1, f"expected one cell defining {function_name}"
    cells[0].source = source
    return copy


@pytest.fixture(scope="session")
def fast_source(bundle, tmp_path_factory):
    """The autograder bundle unpacked as on Gradescope, with small limits in config.json."""
    source = tmp_path_factory.mktemp("adversarial-bundle")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(source)
    os.chmod(source, 0o700)
    config = json.loads((source / "config.json").read_text())
    config["limits"].update(FAST_LIMITS)
    (source / "config.json").write_text(json.dumps(config, indent=2))
    return source
