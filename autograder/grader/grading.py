"""Grade one submission: run the notebook in a student process, judge in this one.

Test cases receive, for each of their parameter names, either plain data decoded from the
student's namespace or a `StudentFunction` proxy that sends plain data to the student
process and decodes the plain data it returns. Comparison therefore always runs on the
grader's own numpy and builtins, on values no student class can stand behind.
"""

import dataclasses
import os
import sys
import time

import numpy as np

from . import otter_tests, results, safe_text, seed, submission
from .session import Session, StudentCodeError


class StudentFunction:
    """Calls a function of the submission in the student process, by value."""

    def __init__(self, session, name):
        self._session, self._name = session, name

    def __call__(self, *args):
        return next(self.each([args]))

    def each(self, args_list):
        """The values of the calls on each args of args_list in turn, made together (Session.call_each):
        test files use it where the calls do not depend on one another's results (_checks' _call_each).
        The calls start at once; their values come as they are asked for."""
        calls = [list(args) for args in args_list]  # the arguments themselves: in-place changes reach them
        return self._values(calls, self._session.call_each(self._name, calls))

    def _values(self, calls, replies):
        for args, (value, args_after) in zip(calls, replies):
            try:
                for original, after in zip(args, args_after):
                    _copy_back(original, after)
            except (AttributeError, TypeError, ValueError, IndexError) as error:
                raise StudentCodeError(
                    "UnsupportedValue", f"{self._name} changed an argument into something the grader cannot read "
                    f"({type(error).__name__})") from None
            yield value

    def __repr__(self):
        return f"<function {self._name} of the submission>"


def _copy_back(original, after):
    """Mirror in-place changes the student function made to an argument (after: None if it made none)."""
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
    except StudentCodeError as error:  # raised past the test: one line, so no part of it reads as a label
        return False, _one_line(f"Your code raised {error}")
    except AssertionError as error:
        return False, str(error) or "A check failed."
    except Exception as error:  # a student value the test could not work with
        return False, _one_line(f"{type(error).__name__}: {_text_of(error)}")
    return True, ""


def _text_of(error):
    try:
        return str(error)
    except Exception:  # e.g. the repr of a huge student integer inside the message
        return ""


def _one_line(message):
    return safe_text.line(" ".join(message.split()), results.MAX_MESSAGE_CHARS)


def build_environment(session, test_files):
    names = sorted({name for test_file in test_files for case in test_file.cases for name in case.parameters})
    environment = {}
    for name, (kind, payload) in session.lookup(names).items():
        if kind == "callable":
            environment[name] = StudentFunction(session, name)
        elif kind == "value":
            environment[name] = payload
    return environment


def run_cases(test_file, hidden, environment, session):
    session.start_question()
    return [CaseResult(test_file.name, case.name, case.description, case.points, case.hidden,
                       *run_case(case, environment, session))
            for case in test_file.cases if case.hidden == hidden]


def grade(submission_path, source_dir, config, started=None, early=None, test_files=None):
    """Results (a dict in Gradescope's format) for one submission; never raises for bad input.

    Every public case of every question runs first, and what students see at once (their
    messages, the notebook's problems) is fixed then, before any hidden input reaches the
    student process: whatever the notebook learns from hidden inputs (or from which calls
    follow which), it can show only in results published later.

    `early`, if given, is a session.EarlyStart: a student process started for this submission (with its
    private folders) and already running all its cells, the notebook's first run. `test_files`: the
    bundle's, loaded beforehand (server.preload), or None to load them here.
    """
    started = time.monotonic() if started is None else started
    if test_files is None:
        test_files = otter_tests.load_all(source_dir / "tests", [q["name"] for q in config["questions"]])
    try:
        cells = early.cells if early else submission.read_cells(submission_path, config["notebook"])
    except submission.SubmissionError as error:
        return results.unreadable(test_files, str(error), time.monotonic() - started)

    os.environ[seed.VARIABLE] = str(seed.submission_seed(seed.bundle_key(source_dir), cells))
    session = Session(cells, config["limits"], submission.private_folders(source_dir, submission_path),
                      started=started, early=early)
    del cells  # the session keeps the cells it runs; nothing else needs them
    try:
        session.execute()
        print(f"grader: {session.isolation or 'no student process'}", file=sys.stderr)
        if str(source_dir) not in sys.path:
            sys.path.insert(0, str(source_dir))  # hidden tests import the reference module
        environment = build_environment(session, test_files)
        case_results = [result for test_file in test_files
                        for result in run_cases(test_file, False, environment, session)]
        visible_problems = problems = results.notebook_problems(session)
        later_problems = {}  # question -> notebook problems that arose while its hidden cases ran
        for test_file in test_files:
            case_results += run_cases(test_file, True, environment, session)
            before, problems = set(problems), results.notebook_problems(session)
            later_problems[test_file.name] = [line for line in problems if line not in before]
    finally:
        session.close()
    return results.graded(test_files, case_results, visible_problems, later_problems, results.confinement(session),
                          time.monotonic() - started)
