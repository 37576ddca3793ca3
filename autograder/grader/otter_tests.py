"""Load Otter exception-format test files without importing Otter.

Test files start with ``from otter.test_files import test_case`` and decorate one function
per case with ``@test_case(points=..., hidden=...)``; Otter calls each with the values of
its parameter names from the notebook's namespace. The grader reads the same files, with a
small stand-in for ``test_case`` that records exactly the fields Otter's own does
(otter/test_files/exception_test.py): importing Otter costs more than grading a notebook.
An assignment's test_otter_equivalence.py checks that Otter reads its files the same way.
"""

import dataclasses
import importlib.machinery
import inspect
import pathlib
import sys
import types


class test_case:  # noqa: N801 - the name Otter's files import
    """Stand-in for otter.test_files.test_case with the same signature."""

    def __init__(self, name=None, points=None, hidden=False, success_message=None, failure_message=None):
        self.name, self.points, self.hidden = name, points, hidden
        self.success_message, self.failure_message = success_message, failure_message
        self.test_func = lambda: None

    def __call__(self, test_func):
        self.test_func = test_func
        return self


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    points: float
    hidden: bool
    function: object
    parameters: tuple
    description: str  # the docstring's first paragraph, on one line: what the case checks


@dataclasses.dataclass(frozen=True)
class TestFile:
    name: str
    path: pathlib.Path
    cases: tuple

    @property
    def points(self):
        return sum(case.points for case in self.cases)


class TestFileError(Exception):
    """A test file breaks the conventions the grader relies on (an authoring error)."""


def _otter_module():
    otter = types.ModuleType("otter")
    otter.__path__ = []
    test_files = types.ModuleType("otter.test_files")
    test_files.test_case = test_case
    otter.test_files = test_files
    return {"otter": otter, "otter.test_files": test_files}


def load(path):
    """Parse one test file; every case must give its points explicitly."""
    path = pathlib.Path(path)
    name = f"otter_tests.{path.stem}"
    # Compiled as imports are: the bytecode is kept in tests/__pycache__ for the next grader.
    return _parse(importlib.machinery.SourceFileLoader(name, str(path)).get_code(name), path)


def from_source(source, path):
    """Parse the text of a test file; path names it (in tracebacks and errors), nothing is read from it."""
    path = pathlib.Path(path)
    return _parse(compile(source, str(path), "exec"), path)


def _parse(code, path):
    """The test file that running code (a test file's compiled text) defines."""
    namespace = {"__name__": f"otter_tests.{path.stem}", "__file__": str(path)}
    saved = {name: sys.modules.get(name) for name in ("otter", "otter.test_files")}
    sys.modules.update(_otter_module())
    try:
        exec(code, namespace)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    if not isinstance(namespace.get("name"), str):
        raise TestFileError(f"{path} does not define 'name'")
    cases = []
    for value in namespace.values():
        if isinstance(value, test_case):
            if not isinstance(value.points, (int, float)):
                raise TestFileError(f"{path}: every test case needs explicit points")
            cases.append(
                Case(
                    name=value.name or f"{namespace['name']} - {len(cases) + 1}",
                    points=value.points,
                    hidden=bool(value.hidden),
                    function=value.test_func,
                    parameters=tuple(inspect.signature(value.test_func).parameters),
                    description=" ".join((inspect.getdoc(value.test_func) or "").split("\n\n")[0].split()),
                )
            )
    return TestFile(name=namespace["name"], path=path, cases=tuple(cases))


def load_all(tests_dir, question_names):
    """The test file of each question, in the given order."""
    files = []
    for question in question_names:
        path = pathlib.Path(tests_dir) / f"{question}.py"
        if not path.is_file():
            raise TestFileError(f"missing test file {path}")
        files.append(load(path))
    return files
