"""Shared fixtures: one build per test session, and grading through `make grade`'s path."""

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

from vg_build import __main__ as build
from vg_build import config, notebooks, render

REPO = pathlib.Path(__file__).resolve().parents[1]
ASSIGNMENT = "vanishing_gradients"
BANK = REPO / "tests" / "files" / "implementations"
IMPLEMENTATIONS = sorted(BANK.glob("*/*.py"))
# The question whose test file grades each function of the bank (tests/files/implementations/<function>/).
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
RESULTS_SCHEMA = json.loads((REPO / "tests" / "schemas" / "gradescope_results.schema.json").read_text())


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """A fresh build (solution notebook not executed: tests/test_build.py executes it)."""
    folder = tmp_path_factory.mktemp("dist")
    build.build(ASSIGNMENT, folder, execute=False)
    return folder


@pytest.fixture(scope="session")
def bundle(dist):
    return dist / "autograder" / f"{ASSIGNMENT}-autograder.zip"


@pytest.fixture(scope="session")
def solution_notebook():
    """The solution notebook as the build makes it, before execution."""
    assignment = config.load(ASSIGNMENT)
    text = build.notebook_text(render.environment(), assignment)
    return notebooks.run_pipeline(text, notebooks.SOLUTION_PIPELINE)


@pytest.fixture(scope="session")
def student_notebook(dist):
    return nbformat.read(dist / "student" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture(scope="session")
def question_points():
    return {q["name"]: q["points"] for q in config.load(ASSIGNMENT).questions}


def question_scores(results):
    """{question: score} summed over its public and hidden Gradescope tests."""
    scores = {}
    for test in results["tests"]:
        question = test["name"].split(" (")[0]
        scores[question] = scores.get(question, 0) + test["score"]
    return scores


@pytest.fixture(scope="session")
def grade(bundle, tmp_path_factory):
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
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        environment["PYTHONPATH"] = str(REPO / "autograder")  # vg_build itself; the grader runs from the bundle
        completed = subprocess.run(
            [sys.executable, "-m", "vg_build.grade_local", "--bundle", str(bundle),
             "--submissions", str(folder), "--out", str(out), "--jobs", str(jobs)],
            capture_output=True, text=True, env=environment, check=False,
        )
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
            build.build(ASSIGNMENT, folder, execute=True)
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
