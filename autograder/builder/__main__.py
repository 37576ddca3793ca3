"""Build the assignments of a course into dist/ (the paths are a contract: README).

    python -m builder [--assignment NAME]... [--root DIR] [--dist DIR] [--no-execute]

Every assignment of the course root (assignments/*/, builder.config), or those named:

    dist/student/NAME/NAME.ipynb + tests/   the student release, and dist/student/NAME.zip
                                            (with README.md, requirements.txt, environment.yml)
    dist/solutions/NAME.ipynb               the solution notebook, executed (plots included)
    dist/autograder/NAME-autograder.zip     the Gradescope bundle
    dist/solutions/NAME_INSTRUCTOR_GUIDE.md rubric, model answer, points, Gradescope set-up (+ .html)
"""

import argparse
import json
import pathlib
import shlex
import shutil
import sys
import tempfile

import nbformat

import grader
from grader import otter_tests

from . import config, guide, leaks, notebooks, render, test_files, zips
from .config import REPO

GRADER_PACKAGE = pathlib.Path(grader.__file__).resolve().parent
AUTOGRADER_REQUIREMENTS = REPO / "requirements" / "autograder.txt"
STUDENT_REQUIREMENTS = REPO / "requirements" / "student.txt"
RESULTS_FILE = "/autograder/results/results.json"  # where Gradescope reads the results
STUDENT_PYTHON = "3.11"  # the oldest Python the pinned matplotlib supports


class BuildError(SystemExit):
    pass


def facts(assignment):
    """The assignment's facts (its build hook); a false sentence stops the build with its words."""
    try:
        return assignment.hooks.facts(assignment.parameters)
    except ValueError as error:
        raise BuildError(f"Build stopped: {error}") from None


def notebook_text(env, assignment, facts):
    template = env.get_template(f"{assignment.name}.py.j2")
    return template.render(
        title=assignment.title, name=assignment.name, params=assignment.parameters, points=assignment.points,
        facts=facts,
    )


def load_tests(full_tests):
    """{question: otter_tests.TestFile} of the rendered test files, each executed once, here."""
    return {name: otter_tests.from_source(source, f"tests/{name}.py") for name, source in full_tests.items()}


def check_points(assignment, loaded_tests):
    """Every question's case points must add up to its points in assignment.yml."""
    for question in assignment.questions:
        loaded = loaded_tests[question["name"]]
        if loaded.points != question["points"]:
            raise BuildError(
                f"Test cases of {question['name']} add up to {loaded.points} points but "
                f"assignment.yml gives {question['points']}: change one so they agree."
            )
        if not any(not case.hidden for case in loaded.cases):
            raise BuildError(f"{question['name']} has no public case: students could not check it.")


def case_catalogue(loaded_tests):
    """{question: [{"name", "description", "hidden", "points"}]} of every test case, shipped in
    the bundle's config.json: the class report describes cases without importing the tests."""
    return {name: [{"name": c.name, "description": c.description, "hidden": c.hidden, "points": c.points}
                   for c in loaded.cases]
            for name, loaded in loaded_tests.items()}


def grader_files():
    """The grader package, subpackages included, as it ships: grader/...py."""
    return {
        f"grader/{path.relative_to(GRADER_PACKAGE).as_posix()}": path.read_text()
        for path in sorted(GRADER_PACKAGE.rglob("*.py"))
    }


def bundle_files(env, assignment, full_tests, loaded_tests):
    config_json = {
        "notebook": assignment.notebook,
        "questions": assignment.questions,
        "limits": assignment.limits,
        "cases": case_catalogue(loaded_tests),
    }
    grade_command = grader.command("/autograder/source", "/autograder/submission", RESULTS_FILE, python="python3")
    files = {
        "setup.sh": env.get_template("setup.sh.j2").render(),
        "run_autograder": env.get_template("run_autograder.j2").render(grade_command=shlex.join(grade_command)),
        "requirements.txt": AUTOGRADER_REQUIREMENTS.read_text(),
        "config.json": json.dumps(config_json, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        assignment.reference_path.name: assignment.reference_path.read_text(),
    }
    files.update({f"tests/{name}.py": source for name, source in full_tests.items()})
    files.update(grader_files())
    return files


def secrets(assignment, text, full_tests):
    """Fragments that must not reach students: solution regions, hidden cases, and the
    reference module (its name, and its text less the lines the template shows on purpose)."""
    shown = leaks.fragments_of_source(notebooks.public_text(text))
    fragments = {f for f in notebooks.solution_fragments(text) if len(f) >= 8} | {assignment.reference_name}
    fragments |= leaks.fragments_of_source(assignment.reference_path.read_text()) - shown
    for source in full_tests.values():
        public = test_files.public_version(source)
        fragments |= leaks.fragments_of_source(source) - leaks.fragments_of_source(public)
    return fragments


def student_requirements():
    """The pinned requirement lines of requirements/student.txt."""
    lines = (line.split("#")[0].strip() for line in STUDENT_REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line]


def student_environment_files(env, assignment, student_nb):
    """{file name: text} of the release's README.md, requirements.txt and environment.yml."""
    # The README names the kinds of blank the notebook has, and no other.
    answer_blanks = any(notebooks.ANSWER_BLANK in cell.source for cell in student_nb.cells)
    values = {"name": assignment.name, "title": assignment.title, "notebook": assignment.notebook,
              "python": STUDENT_PYTHON, "requirements": student_requirements(), "answer_blanks": answer_blanks}
    return {
        "README.md": env.get_template("student_README.md.j2").render(values),
        "requirements.txt": env.get_template("student_requirements.txt.j2").render(values),
        "environment.yml": env.get_template("student_environment.yml.j2").render(values),
    }


def write_student(dist, env, assignment, student_nb, public_tests):
    folder = dist / "student" / assignment.name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    nbformat.write(student_nb, folder / assignment.notebook)
    for name, source in public_tests.items():
        (folder / "tests" / f"{name}.py").write_text(source)
    for name, text in student_environment_files(env, assignment, student_nb).items():
        (folder / name).write_text(text)
    zips.write_zip(dist / "student" / f"{assignment.name}.zip", zips.folder_files(folder, assignment.name))
    return folder


def execute_solution(dist, assignment, solution_nb, student_folder):
    """Run the solution notebook top to bottom in a real kernel beside the public tests."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        shutil.copytree(student_folder / "tests", work / "tests")
        nbformat.write(solution_nb, work / assignment.notebook)  # grader.export() reads it
        # Local sockets (IPC) rather than TCP: nothing listens on the network while building.
        kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(work / "kernel"))
        client = NotebookClient(
            solution_nb, km=kernel, timeout=600, resources={"metadata": {"path": str(work)}}
        )
        try:
            client.execute()
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
    target = dist / "solutions" / assignment.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(solution_nb, target)
    return target


def build(name, dist, execute=True, root=REPO):
    """Build one assignment of the course at root into dist."""
    assignment = config.load(name, root)
    env = render.environment(assignment)
    stated = facts(assignment)
    text = notebook_text(env, assignment, stated)
    student_nb = notebooks.run_pipeline(text, notebooks.STUDENT_PIPELINE)
    solution_nb = notebooks.run_pipeline(text, notebooks.SOLUTION_PIPELINE)
    full_tests = test_files.render_all(env, assignment.questions, assignment.hooks.public_inputs(assignment.parameters))
    public_tests = {name: test_files.public_version(source) for name, source in full_tests.items()}
    loaded_tests = load_tests(full_tests)
    check_points(assignment, loaded_tests)

    student_folder = write_student(dist, env, assignment, student_nb, public_tests)
    release = [student_folder, student_folder.with_suffix(".zip")]
    try:
        leaks.check(release, secrets(assignment, text, full_tests))
    except leaks.LeakError as error:
        shutil.rmtree(student_folder, ignore_errors=True)
        student_folder.with_suffix(".zip").unlink(missing_ok=True)
        raise BuildError(f"Build stopped, the student release was removed: {error}") from None
    print(f"wrote {student_folder} and {student_folder}.zip (leak check passed)")

    bundle = dist / "autograder" / f"{assignment.name}-autograder.zip"
    zips.write_zip(bundle, bundle_files(env, assignment, full_tests, loaded_tests))
    print(f"wrote {bundle}")

    print(f"wrote {guide.write(dist, env, assignment, text, loaded_tests, stated)} and .html (instructors only)")

    if execute:
        print(f"wrote {execute_solution(dist, assignment, solution_nb, student_folder)} (executed)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m builder", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", default=[],
                        help="an assignment to build (repeatable; default: every one of the course)")
    parser.add_argument("--root", type=pathlib.Path, default=REPO,
                        help="the course root holding assignments/, solutions/, student_templates/, autograder/tests/")
    parser.add_argument("--dist", type=pathlib.Path, default=REPO / "dist")
    parser.add_argument("--no-execute", action="store_true", help="skip executing the solution notebook")
    args = parser.parse_args(argv)
    names = args.assignment or config.discover(args.root)
    if not names:
        sys.exit(f"No assignment in {args.root / 'assignments'}: each is a folder with an assignment.yml.")
    for name in names:
        try:
            build(name, args.dist, execute=not args.no_execute, root=args.root)
        except notebooks.MarkerError as error:
            sys.exit(f"Template error in {name}: {error}")


if __name__ == "__main__":
    main()
