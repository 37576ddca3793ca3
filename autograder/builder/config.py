"""The assignments of a course: where each one's parts live, its metadata, and its build hooks.

A course root (this repository, or any folder of the same shape) holds, per assignment <name>:

    assignments/<name>/assignment.yml        metadata: title, questions and points, parameters, limits
    assignments/<name>/build.py              the assignment's build hooks (below), and what they import
    assignments/<name>/instructor_guide.md.j2  the instructor guide (rubric, model answers, pitfalls)
    solutions/<name>/<name>_reference.py     the reference module; hidden tests import it by this name
    student_templates/<name>/<name>.py.j2    the notebook template (jupytext percent format + Jinja)
    autograder/tests/<name>/<question>.py.j2 one Otter test template per auto-graded question

build.py is the builder's one interface to an assignment. It defines

    facts(parameters) -> dict          the numbers and claims the notebook and the guide state, by
                                       name; raises ValueError naming every sentence that is false
    public_inputs(parameters) -> dict  what the public test templates render with (as `public`)

and is loaded from its path as a package (so it may import its siblings relatively), after the
reference module has been made importable by its name.
"""

import dataclasses
import functools
import importlib
import importlib.util
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOLKIT_TEST_TEMPLATES = REPO / "autograder" / "tests"  # check helpers every assignment's tests may include
REQUIRED = {"name", "title", "parameters", "questions", "manual_questions", "limits", "points_policy"}
HOOKS = ("facts", "public_inputs")


class AssignmentError(SystemExit):
    """An assignment's files are missing or inconsistent: the message says which and what to do."""


def discover(root=REPO):
    """The names of the course's assignments: every assignments/<name>/ with an assignment.yml."""
    return sorted(path.parent.name for path in (pathlib.Path(root) / "assignments").glob("*/assignment.yml"))


@dataclasses.dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    parameters: dict
    questions: list  # [{"name", "points"}], auto-graded
    manual_questions: list  # [{"name", "title", "points"}]
    limits: dict
    points_policy: tuple = ()  # [{"severity", "what", "min", "max"}]: shares of a question's points
    root: pathlib.Path = REPO

    @property
    def notebook(self):
        return f"{self.name}.ipynb"

    @property
    def points(self):
        """Points of every question, auto-graded and manual, by name."""
        return {q["name"]: q["points"] for q in self.questions + self.manual_questions}

    @property
    def folder(self):
        return self.root / "assignments" / self.name

    @property
    def reference_name(self):
        return f"{self.name}_reference"

    @property
    def reference_path(self):
        return self.root / "solutions" / self.name / f"{self.reference_name}.py"

    @property
    def template_dirs(self):
        """Where its templates are found, the assignment's own first."""
        return [self.root / "student_templates" / self.name, self.root / "autograder" / "tests" / self.name,
                self.folder, TOOLKIT_TEST_TEMPLATES]

    @functools.cached_property
    def reference(self):
        """The reference module, importable by its name from now on (hidden tests import it so)."""
        if not self.reference_path.is_file():
            raise AssignmentError(f"No reference module at {self.reference_path}: the tests of {self.name} "
                                  f"compare against it; create it.")
        return _load(self.reference_name, self.reference_path)

    @functools.cached_property
    def hooks(self):
        """build.py, loaded as the package of its folder (after the reference)."""
        path = self.folder / "build.py"
        if not path.is_file():
            raise AssignmentError(f"No {path}: every assignment declares its build hooks there "
                                  f"({', '.join(HOOKS)}; see the README, 'Adding an assignment').")
        self.reference  # noqa: B018 - build.py and what it imports may import the reference by name
        module = _load(f"assignment_{self.name}", path, package=self.folder)
        missing = [hook for hook in HOOKS if not callable(getattr(module, hook, None))]
        if missing:
            raise AssignmentError(f"{path} does not define {', '.join(missing)}: see the README, "
                                  "'Adding an assignment'.")
        return module

    def module(self, name):
        """A module of the assignment's folder (assignments/<name>/<module>.py), as build.py imports it."""
        return importlib.import_module(f"{self.hooks.__name__}.{name}")


def _load(name, path, package=None):
    """Import the file at path as module `name` (a package of folder `package` if given), once."""
    loaded = sys.modules.get(name)
    if loaded is not None and pathlib.Path(loaded.__file__).resolve() == path.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(package)] if package else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load(name, root=REPO):
    import yaml  # here, not at the top: `make grade` imports this module and starts faster without YAML

    root = pathlib.Path(root)
    path = root / "assignments" / name / "assignment.yml"
    if not path.is_file():
        known = ", ".join(discover(root)) or "none"
        raise AssignmentError(f"No assignment metadata at {path}: create it or pick an existing assignment "
                              f"({known}).")
    data = yaml.safe_load(path.read_text())
    missing = REQUIRED - set(data)
    if missing:
        raise AssignmentError(f"{path} is missing {sorted(missing)}.")
    if data["name"] != name:
        raise AssignmentError(f"{path} says name: {data['name']!r}; it must match its folder {name!r}.")
    for policy in data["points_policy"]:
        if not 0 <= policy["min"] <= policy["max"] <= 1:
            raise AssignmentError(f"{path}: points_policy {policy['severity']!r} needs 0 <= min <= max <= 1.")
    return Assignment(**{key: data[key] for key in REQUIRED}, root=root)
