"""Grade one submission: run the notebook in a student process, judge in this one.

Test cases receive, for each of their parameter names, either plain data decoded from the
student's namespace or a `StudentFunction` proxy that sends plain data to the student
process and decodes the plain data it returns. Comparison therefore always runs on the
grader's own numpy and builtins, on values no student class can stand behind.
"""

import dataclasses
import hashlib
import os
import pathlib
import sys
import time

import numpy as np

from . import codec, otter_tests, results, submission
from .session import Session, StudentCodeError

SEED_VARIABLE = "VG_GRADING_SEED"


class StudentFunction:
    """Calls a function of the submission in the student process, by value."""

    def __init__(self, session, name):
        self._session, self._name = session, name

    def __call__(self, *args):
        value, args_after = self._session.call(self._name, list(args))
        try:
            for original, after in zip(args, args_after or []):
                _copy_back(original, codec.decode(after))
            return codec.decode(value, aliases=lambda path: _argument_at(args, path))
        except (codec.CodecError, AttributeError, TypeError, ValueError, IndexError, RecursionError) as error:
            raise StudentCodeError(
                "UnsupportedValue", f"{self._name} returned something the grader cannot read ({error})"
            ) from None

    def __repr__(self):
        return f"<function {self._name} of the submission>"


def _copy_back(original, after):
    """Mirror in-place changes the student function made to an argument."""
    if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
        if original.shape != after.shape and original.size == after.size:
            original.shape = after.shape  # the student reshaped the argument in place
        if original.shape == after.shape:
            original[...] = after
    elif isinstance(original, list) and isinstance(after, list):
        if len(original) != len(after):
            original[:] = after
        for index, (item, changed) in enumerate(zip(original, after)):
            if isinstance(item, np.ndarray) and isinstance(changed, np.ndarray) and item.shape == changed.shape:
                item[...] = changed
            elif type(item) is not type(changed):
                original[index] = changed


def _argument_at(args, path):
    value = args
    for step in path:
        if type(step) is not int:
            raise codec.CodecError("malformed alias")
        value = value[step]
    if not isinstance(value, np.ndarray):
        raise codec.CodecError("malformed alias")
    return value


@dataclasses.dataclass
class CaseResult:
    question: str
    name: str
    description: str
    points: float
    hidden: bool
    passed: bool
    message: str


def run_case(case, environment, session):
    kwargs = {name: environment.get(name) for name in case.parameters}
    session.start_case()  # each case has its own time budget for calls
    try:
        case.function(**kwargs)
    except StudentCodeError as error:
        return False, f"Your code raised {error}"
    except AssertionError as error:
        return False, str(error) or "A check failed."
    except Exception as error:  # a student value the test could not work with
        return False, f"{type(error).__name__}: {error}"
    return True, ""


def build_environment(session, test_files):
    names = sorted({name for test_file in test_files for case in test_file.cases for name in case.parameters})
    environment = {}
    for name, (kind, payload) in session.lookup(names).items():
        if kind == "callable":
            environment[name] = StudentFunction(session, name)
        elif kind == "value":
            environment[name] = payload
    return environment


def submission_seed(cells):
    """Random test inputs are fresh for each submission yet reproducible on regrading."""
    digest = hashlib.sha256("\0".join(cells).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def grade(submission_path, source_dir, config):
    """Results (a dict in Gradescope's format) for one submission; never raises for bad input."""
    started = time.monotonic()
    questions = [question["name"] for question in config["questions"]]
    test_files = otter_tests.load_all(source_dir / "tests", questions)
    try:
        data, name = submission.locate(submission_path, config["notebook"])
        cells = submission.code_cells(data, name)
    except submission.SubmissionError as error:
        return results.unreadable(test_files, str(error), time.monotonic() - started)

    # Folders the student process must not read where isolation relies on permissions
    # (the bundle with hidden tests and reference code, and the folder of submissions).
    submitted = pathlib.Path(submission_path).resolve()
    secrets = [source_dir, submitted if submitted.is_dir() else submitted.parent]
    session = Session(cells, config["limits"], secrets)
    try:
        session.execute()
        print(f"vg_grader: {session.isolation or 'no student process'}", file=sys.stderr)
        os.environ[SEED_VARIABLE] = str(submission_seed(cells))
        if str(source_dir) not in sys.path:
            sys.path.insert(0, str(source_dir))  # hidden tests import the reference module
        environment = build_environment(session, test_files)
        case_results = []
        for test_file in test_files:
            for case in test_file.cases:
                passed, message = run_case(case, environment, session)
                case_results.append(
                    CaseResult(test_file.name, case.name, case.description, case.points, case.hidden, passed, message)
                )
    finally:
        session.close()
    return results.graded(test_files, case_results, session, time.monotonic() - started)
