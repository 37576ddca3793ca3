"""The build contract (README: what `make` writes): artifacts, reproducibility, leak check, Python 3.10."""

import ast
import dataclasses
import io
import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbclient import NotebookClient

import grader
from bench.run import find_python310
from builder import __main__ as build
from builder import leaks
from grader import submission

from ..conftest import ASSIGNMENT, ASSIGNMENTS, LOADED, REPO


def rendered(assignment, questions=None):
    """(notebook text, {question: full test source}) of an assignment, as the build renders them."""
    env = build.render.environment(assignment)
    text = build.notebook_text(env, assignment, build.facts(assignment))
    public = assignment.hooks.public_inputs(assignment.parameters)
    return text, build.test_files.render_all(env, questions or assignment.questions, public)


def test_artifacts_are_where_other_tools_expect_them(full_dist):
    """Does the build write exactly the four documented artifacts?"""
    for relative in (
        f"student/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
        f"student/{ASSIGNMENT}.zip",
        f"solutions/{ASSIGNMENT}.ipynb",
        f"autograder/{ASSIGNMENT}-autograder.zip",
    ):
        assert (full_dist / relative).is_file(), relative
    public_tests = sorted(p.name for p in (full_dist / "student" / ASSIGNMENT / "tests").iterdir())
    assert public_tests == sorted(f"{q['name']}.py" for q in LOADED[ASSIGNMENT].questions)


def test_solution_notebook_ran_without_error_and_has_plots(full_dist):
    """Did the solution notebook execute top to bottom in a real kernel, plots included?"""
    notebook = nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    skipped = [cell for cell in code if "skip-execution" in cell.metadata.get("tags", [])]
    assert [cell.source for cell in skipped] == ["grader.export(pdf=False)"]  # its link would point nowhere
    assert all(cell.execution_count for cell in code if cell not in skipped)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    images = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4
    checks = [o for cell in code if cell.source.startswith("grader.check(") for o in cell.outputs]
    assert checks and all("All test cases passed" in str(o.get("data", {})) for o in checks)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def png_count(cell):
    return sum("image/png" in output.get("data", {}) for output in cell.outputs)


def test_every_plot_has_a_static_image(full_dist):
    """Does every cell of the executed solution that draws leave a PNG image, and every cell with a widget a
    static picture beside it, so that a static copy (HTML, nbviewer, GitHub) shows every plot?"""
    notebook = nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    drawing = [cell for cell in code if "plt.show()" in cell.source or "plot_tangent(" in cell.source]
    assert len(drawing) >= 6
    assert [cell.source.split("\n")[0] for cell in drawing if png_count(cell) == 0] == []
    widgets = [cell for cell in code if any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs)]
    assert widgets, "the tangent cell should show its slider when ipywidgets is installed"
    assert [cell.source.split("\n")[0] for cell in widgets if png_count(cell) == 0] == []
    [tangent] = [cell for cell in code if "widgets.interact(" in cell.source]
    assert png_count(tangent) >= 2  # the tangents at two points, drawn before the slider


@pytest.mark.slow
def test_blank_notebook_runs_in_a_real_kernel(dist, tmp_path):
    """Does the blank release run top to bottom without errors or a dying kernel?"""
    shutil.copytree(dist / "student" / ASSIGNMENT, tmp_path / ASSIGNMENT)
    folder = tmp_path / ASSIGNMENT
    notebook = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
    resources = {"metadata": {"path": str(folder)}}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [e.ename + ": " + e.evalue for e in errors]


def test_student_notebook_has_one_marker_per_blank(student_notebook):
    """Is every blank a documented stub with exactly one searchable marker?"""
    sources = [cell.source for cell in student_notebook.cells]
    code = [cell.source for cell in student_notebook.cells if cell.cell_type == "code"]
    code_blanks = [s for s in code if "# YOUR CODE HERE" in s]
    assert len(code_blanks) == 8 and all(s.count("# YOUR CODE HERE") == 1 for s in code_blanks)
    assert all('"""' in s for s in code_blanks)  # a docstring with the shapes
    assert sum("_Type your answer here" in s for s in sources) == 1
    assert any("grader.export(" in s for s in sources)
    for question in (q["name"] for q in LOADED[ASSIGNMENT].questions):
        assert any(s.strip() == f'grader.check("{question}")' for s in sources)


def two_builds(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    build.build(ASSIGNMENT, first, execute=False)
    build.build(ASSIGNMENT, second, execute=False)
    return first, second


def test_two_builds_are_byte_identical(tmp_path):
    """Do two builds give byte-identical zips and notebooks?"""
    first, second = two_builds(tmp_path)
    for relative in (
        f"student/{ASSIGNMENT}.zip",
        f"autograder/{ASSIGNMENT}-autograder.zip",
        f"student/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
    ):
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    with zipfile.ZipFile(first / "autograder" / f"{ASSIGNMENT}-autograder.zip") as bundle:
        names = bundle.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in bundle.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_bundle_layout(bundle):
    """Has the bundle setup.sh and run_autograder at its root (executable), and its secrets inside?"""
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        config = json.loads(archive.read("config.json"))
        prod_tests = archive.read("tests/prod.py").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "config.json"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "vanishing_gradients_reference.py" in names and "grader/__main__.py" in names
    assert "grader/sandbox/worker.py" in names
    assert not [name for name in names if name.startswith(("classroom/", "builder/"))]  # they never ship
    assert "hidden=True" in prod_tests
    commands = "\n".join(line for line in setup.lower().splitlines() if not line.lstrip().startswith("#"))
    assert not any(word in commands for word in ("conda", "miniforge", "playwright", "chromium"))
    assert config["notebook"] == f"{ASSIGNMENT}.ipynb"


def test_student_release_holds_no_secret(dist):
    """Does the leak check pass on the release and does it contain no hidden case?"""
    assignment = LOADED[ASSIGNMENT]
    text, full_tests = rendered(assignment)
    leaks.check([dist / "student"], build.secrets(assignment, text, full_tests))
    with zipfile.ZipFile(dist / "student" / f"{ASSIGNMENT}.zip") as archive:
        everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    assert "hidden=True" not in everything and "vanishing_gradients_reference" not in everything


@pytest.mark.parametrize("planted", ["solution line", "hidden case", "reference code", "zipped reference"])
def test_leak_check_catches_planted_secrets(dist, tmp_path, planted):
    """Would the leak check stop a build that let a solution, hidden case or reference through?"""
    assignment = LOADED[ASSIGNMENT]
    text, full_tests = rendered(assignment)
    folder = tmp_path / "student"
    shutil.copytree(dist / "student", folder)
    reference = assignment.reference_path.read_text()
    if planted == "solution line":
        notebook = nbformat.read(folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        solution = build.notebooks.run_pipeline(text, build.notebooks.SOLUTION_PIPELINE)
        prod_cell = next(c for c in solution.cells if "def prod(" in c.source)
        next(c for c in notebook.cells if "def prod(" in c.source).source = prod_cell.source
        nbformat.write(notebook, folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    elif planted == "hidden case":
        (folder / ASSIGNMENT / "tests" / "prod.py").write_text(full_tests["prod"])
    elif planted == "reference code":
        (folder / ASSIGNMENT / "helpers.py").write_text(reference.split("def prod", 1)[1])
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes/ref.txt", reference)
        (folder / "extra.zip").write_bytes(buffer.getvalue())
    with pytest.raises(leaks.LeakError):
        leaks.check([folder], build.secrets(assignment, text, full_tests))


def test_points_must_agree_with_metadata():
    """Does the build refuse test files whose case points disagree with assignment.yml?"""
    assignment = LOADED[ASSIGNMENT]
    loaded = build.load_tests(rendered(assignment)[1])
    build.check_points(assignment, loaded)
    for question in assignment.questions:
        changed = [dict(q, points=q["points"] + 1) if q is question else q for q in assignment.questions]
        with pytest.raises(build.BuildError, match=question["name"]):
            build.check_points(dataclasses.replace(assignment, questions=changed), loaded)


@pytest.mark.parametrize("factor", [0.5, 1.25, 3])
def test_points_come_from_the_metadata_alone(factor):
    """With other points in assignment.yml, do the rendered cases add up to them, in the
    proportions of the test files' weights, and pass the build's own check?"""
    assignment = LOADED[ASSIGNMENT]
    original = build.load_tests(rendered(assignment)[1])
    changed = [dict(q, points=q["points"] * factor) for q in assignment.questions]
    loaded = build.load_tests(rendered(assignment, changed)[1])
    build.check_points(dataclasses.replace(assignment, questions=changed), loaded)
    for question in changed:
        before, after = original[question["name"]], loaded[question["name"]]
        assert after.points == question["points"]
        for old, new in zip(before.cases, after.cases):
            assert (old.name, old.hidden) == (new.name, new.hidden)
            assert abs(new.points - old.points * factor) <= float(build.test_files.POINT_STEP)


def test_points_that_cannot_be_shared_out_are_refused():
    """Are question points that are not a multiple of the point step refused with a clear message?"""
    with pytest.raises(build.test_files.PointsError, match="multiple"):
        build.test_files.split(7.1, [1, 2])
    assert build.test_files.split(10, [3, 1, 0, 1]) == [6, 2, 0, 2]
    assert sum(build.test_files.split(7, [1, 1, 1])) == 7


def bundle_python_files(bundle, folder):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return sorted(str(p) for p in folder.rglob("*.py"))


def test_bundle_code_is_python_310_syntax(bundle, tmp_path):
    """Does everything the bundle runs parse as Python 3.10 (ruff, target py310)?"""
    files = bundle_python_files(bundle, tmp_path)
    completed = subprocess.run(
        [str(pathlib.Path(sys.executable).with_name("ruff")), "check", "--no-cache", "--isolated",
         "--target-version", "py310", "--select", "E9,F63,F7,F82,UP", *files],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.slow
def test_bundle_requirements_resolve_for_python_310(tmp_path):
    """Does pip find wheels of every pinned bundle requirement for CPython 3.10 on manylinux?"""
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.10", "--implementation", "cp", "--platform", "manylinux2014_x86_64",
         "-r", str(REPO / "requirements" / "autograder.txt"), "-d", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    wheels = [p.name for p in tmp_path.glob("*.whl")]
    assert wheels and all("cp310" in name for name in wheels), wheels
    requirements = [line for line in (REPO / "requirements" / "autograder.txt").read_text().splitlines()
                    if line and not line.startswith("#")]
    assert all("==" in line for line in requirements), "every bundle requirement must be pinned"


@pytest.mark.slow
def test_bundle_grades_under_python_310(bundle, solution_notebook, tmp_path):
    """Where a Python 3.10 exists, does the bundle install and grade full marks with it?"""
    interpreter = find_python310()
    if interpreter is None:
        pytest.skip("no Python 3.10 on this machine (install python3.10 to run this check)")
    subprocess.run([interpreter, "-m", "venv", str(tmp_path / "venv")], check=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    source = tmp_path / "source"
    bundle_python_files(bundle, source)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--only-binary=:all:", "-r",
                    str(source / "requirements.txt")], check=True)
    nbformat.write(solution_notebook, tmp_path / "submission.ipynb")
    subprocess.run(grader.command(source, tmp_path / "submission.ipynb", tmp_path / "results.json", python=python),
                   cwd=source, check=True)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == sum(q["points"] for q in LOADED[ASSIGNMENT].questions), results["output"]


def _bound_names(tree):
    """Every name a cell binds: assignments, loop and `with` targets, definitions, imports, parameters."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _is_demo(tree):
    """A cell made of `with needs(...)` blocks alone: it only draws and prints."""
    return bool(tree.body) and all(
        isinstance(node, ast.With) and any(isinstance(item.context_expr, ast.Call)
                                           and getattr(item.context_expr.func, "id", "") == "needs"
                                           for item in node.items)
        for node in tree.body)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_demo_cells_are_skipped_and_define_nothing_the_graded_cells_use(dist, name):
    """Is every cell of the student notebook that is only a `with needs(...)` demo tagged otter_ignore (grading
    skips it, as Otter does), and does no cell the autograder runs use a name that only skipped cells bind?"""
    notebook = nbformat.read(dist / "student" / name / f"{name}.ipynb", as_version=4)
    cells = [(cell, ast.parse(cell.source)) for cell in notebook.cells if cell.cell_type == "code"
             and not cell.source.lstrip().startswith(("%", "!"))]
    skipped = [(cell, tree) for cell, tree in cells if submission.IGNORE_TAG in cell.metadata.get("tags", [])]
    graded = [(cell, tree) for cell, tree in cells if (cell, tree) not in skipped]
    demos = [cell for cell, tree in cells if _is_demo(tree)]
    assert demos, "the notebook has no demo cells: this check lost its subject"
    assert [cell for cell in demos if submission.IGNORE_TAG not in cell.metadata.get("tags", [])] == []
    only_skipped = set().union(*(_bound_names(tree) for _, tree in skipped)) - set().union(
        *(_bound_names(tree) for _, tree in graded))
    used = {node.id for _, tree in graded for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    assert used & only_skipped == set()
