"""Gradescope results (autograder specifications: results.json) built from case results.

Each question becomes up to two Gradescope tests: its public cases, visible at once with
teaching messages, and its hidden cases, shown after grades are published with pass/fail
and points only (never their inputs or source).
"""

MAX_CELL_ERRORS_SHOWN = 10


def _points(value):
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _case_line(case):
    mark = "✔" if case.passed else "✘"
    earned = _points(case.points if case.passed else 0)
    line = f"{mark} {case.description or case.name} ({earned}/{_points(case.points)})"
    if not case.passed and not case.hidden and case.message:
        line += "\n    " + case.message.replace("\n", "\n    ")
    return line


def _test_entry(question, cases, hidden):
    max_score = sum(case.points for case in cases)
    score = sum(case.points for case in cases if case.passed)
    kind = "hidden" if hidden else "public"
    header = (
        f"{question}: hidden checks, {sum(c.passed for c in cases)} of {len(cases)} passed."
        if hidden
        else f"{question}: {sum(c.passed for c in cases)} of {len(cases)} public checks passed."
    )
    return {
        "name": f"{question} ({kind} checks)",
        "score": _points(score),
        "max_score": _points(max_score),
        "status": "passed" if score == max_score else "failed",
        "output": "\n".join([header] + [_case_line(case) for case in cases]),
        "visibility": "after_published" if hidden else "visible",
    }


def _notebook_summary(session):
    lines = []
    if session.problem:
        lines.append(session.problem)
    for index, reason in sorted(session.skipped.items()):
        lines.append(f"Cell {index + 1} was not run: {reason}.")
    errors = [report for report in session.reports if report.error]
    for report in errors[:MAX_CELL_ERRORS_SHOWN]:
        error = report.error if isinstance(report.error, dict) else {}
        message = str(error.get("message", ""))[:300]
        lines.append(f"Code cell {report.index + 1} raised {error.get('type', 'an error')}: {message}")
    if len(errors) > MAX_CELL_ERRORS_SHOWN:
        lines.append(f"... and {len(errors) - MAX_CELL_ERRORS_SHOWN} more cells raised errors.")
    return lines


def graded(test_files, case_results, session, seconds):
    tests = []
    for test_file in test_files:
        for hidden in (False, True):
            cases = [c for c in case_results if c.question == test_file.name and c.hidden == hidden]
            if cases:
                tests.append(_test_entry(test_file.name, cases, hidden))
    score = sum(case.points for case in case_results if case.passed)
    total = sum(test_file.points for test_file in test_files)
    lines = [f"Auto-graded score: {_points(score)} / {_points(total)}."]
    lines += _notebook_summary(session)
    lines.append("Hidden checks are shown after grades are published; free-response answers are graded by hand.")
    return {
        "score": _points(score),
        "execution_time": round(seconds, 3),
        "output": "\n".join(lines),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def unreadable(test_files, message, seconds):
    """Results for a submission that could not be read at all: zero, and why."""
    tests = [
        {
            "name": test_file.name,
            "score": 0,
            "max_score": _points(test_file.points),
            "status": "failed",
            "output": "Not graded: the submission could not be read.",
            "visibility": "visible",
        }
        for test_file in test_files
    ]
    return {
        "score": 0,
        "execution_time": round(seconds, 3),
        "output": message,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
