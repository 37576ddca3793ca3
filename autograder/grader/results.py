"""Gradescope results (autograder specifications: results.json) built from case results.

Layout, and why
---------------
Gradescope gives every test entry exactly one visibility, and hides a student's total
score while any entry is not yet visible. Students need the feedback of the public cases
at once (they are the cases `grader.check` runs in the notebook, with the same messages);
the results of hidden cases must wait until grades are published. So:

* **One test entry per question**, named after the question, with the question's whole
  score and max_score (the same numbers as the question's column in `make grade`'s
  grades.csv), visibility ``after_published``. Its Markdown output has a table of every
  case of the question (public ones by description, hidden ones as "Hidden check n":
  pass/fail and points only, never their description, inputs, messages or source) and
  the details of each failed public case (input, expected, got, hint).
* **The top-level output**, visibility ``visible``, is what students read as soon as the
  autograder finishes: notebook problems (cells that raised, were stopped...), and for
  each question its public cases, their points and the details of each failure. It says
  how many points the hidden checks are worth, never how they went. It is built from
  what was known when the public cases had run, before any hidden input reached the
  student process (grader.grading runs them first): notebook problems that arise
  later (a hidden call that killed the process, a rerun's errors) go to the question's
  test entry instead, published later, so nothing the notebook learns from hidden
  inputs can show early. Captured output never reaches the results at all.

The alternative (a visible "public checks" entry plus an ``after_published`` "hidden
checks" entry per question) splits every question over two boxes, whose scores students
and instructors must add up; this layout keeps one box, and one score, per question,
and shows public feedback exactly as early.

Markdown safety: text from the student's code (error messages, returned values) arrives
made safe (grader.safe_text: printable, valid UTF-8, short) and only reaches the
output through `inline`, which escapes Markdown and HTML, or `fenced`, which puts it in
a code block whose fence is longer than any backtick run inside. Messages split into
parts on "\n" only, the one line break of their layout.

Size: whatever the notebook, results.json stays well under 1 MB: messages are cut at
MAX_MESSAGE_CHARS, at most MAX_FAILURES_SHOWN distinct failures are detailed per
question, cell errors and runs of skipped cells are capped, the rest counted. The subset
of Markdown written here (headings, paragraphs, pipe tables, fenced code, block quotes,
bold, code spans, escapes and entities) is what classroom.report renders to HTML.

Each test also carries ``extra_data.question`` (the question it grades) and ``extra_data.cases``
(name, hidden, passed, points, and the hint of a failed public case) for `make grade`'s class
report; nothing in it is secret.
"""

import re

MAX_CELL_ERRORS_SHOWN = 10
MAX_SKIPPED_RUNS_SHOWN = 10  # runs of consecutive skipped cells with the same reason
MAX_FAILURES_SHOWN = 6  # distinct failure messages detailed per question
MAX_MESSAGE_CHARS = 3000
MESSAGE_PART = re.compile(r"^(Input|Expected|Got|Error|Hint):(?: (.*))?$")
PASSED, FAILED = "✅", "❌"


# -- Markdown helpers ---------------------------------------------------------------


def points(value):
    """A point value as Gradescope shows it: 2, 1.5 (never 2.0)."""
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _escape_text(text):
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~#])", r"\\\1", text)


def inline(text):
    """One line of text as safe Markdown: `code spans` kept, everything else escaped."""
    text = " ".join(str(text).split())
    pieces = re.split(r"`([^`]+)`", text)
    out = []
    for index, piece in enumerate(pieces):
        out.append(code_span(piece) if index % 2 else _escape_text(piece))
    line = "".join(out)
    if re.match(r"^(\s*)([-+=]|\d+[.)])", line):  # would start a list or underline a heading
        line = "\\" + line if not line[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", line)
    return line


def code_span(text):
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(text):
    """A block of verbatim text (student output included) as a fenced code block."""
    text = str(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def table(header, rows, align):
    """A pipe table; cells are escaped, so no cell can break the table."""
    def cell(value):  # no code spans in cells: a pipe inside one would still split the cell
        text = str(value)
        return text[1:] if text.startswith("\0") else _escape_text(" ".join(text.split()))

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join({"l": ":--", "c": ":-:", "r": "--:"}[a] for a in align) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def raw(markdown):
    """A table cell that is already Markdown (only for text written here, never student text)."""
    return "\0" + markdown


# -- case messages ------------------------------------------------------------------


def message_parts(message):
    """[(label or None, lines)] of a test failure message (layout: tests/_checks.py.j2)."""
    parts = []
    for line in str(message)[:MAX_MESSAGE_CHARS].split("\n"):  # the layout's only line break
        match = MESSAGE_PART.match(line)
        if match:
            parts.append((match.group(1), [match.group(2)] if match.group(2) else []))
        elif line.startswith("  ") and parts and parts[-1][0] not in (None, "Hint"):
            parts[-1][1].append(line[2:])
        elif line.strip():
            if parts and parts[-1][0] is None:
                parts[-1][1].append(line)
            else:
                parts.append((None, [line]))
    return parts


def hint_of(message):
    """The hint of a failure message, or ''."""
    return " ".join(" ".join(lines) for label, lines in message_parts(message) if label == "Hint")


def message_markdown(message):
    blocks = []
    for label, lines in message_parts(message):
        if label is None:
            blocks.append("\n".join(inline(line) for line in lines))
        elif label == "Hint":
            blocks.append(f"> **Hint:** {inline(' '.join(lines))}")
        elif len(lines) == 1 and len(lines[0]) <= 120:
            blocks.append(f"**{label}:** {code_span(lines[0])}")
        elif lines:
            blocks.append(f"**{label}:**\n\n{fenced(chr(10).join(lines))}")
    return "\n\n".join(blocks) or inline("This check failed.")


# -- one question -------------------------------------------------------------------


def _earned(case):
    return case.points if case.passed else 0


def _case_label(case, hidden_number=None):
    if case.hidden:
        return f"Hidden check {hidden_number}"
    return case.name


def _points_cell(case):
    if not case.points:
        return "preview, 0 points"
    return f"{points(_earned(case))} / {points(case.points)}"


def _failure_details(cases):
    """Details of failed public cases; identical messages are shown once."""
    blocks, seen = [], {}
    for case in cases:
        if case.passed or case.hidden:
            continue
        if case.message in seen:
            seen[case.message].append(case)
            continue
        seen[case.message] = [case]
        blocks.append(case)
    out = []
    for case in blocks[:MAX_FAILURES_SHOWN]:
        same = seen[case.message][1:]
        title = f"{FAILED} {inline(_case_label(case))}"
        out.append(f"#### {title}\n\n{message_markdown(case.message)}")
        if same:
            out.append("The same message for:\n\n" + "\n".join(f"- {inline(_case_label(c))}" for c in same))
    if len(blocks) > MAX_FAILURES_SHOWN:
        out.append(inline(f"... and {len(blocks) - MAX_FAILURES_SHOWN} more failed checks with other messages "
                          "(see the table)."))
    return out


def _preview_note(cases):
    if any(not case.hidden and not case.points for case in cases):
        return ("*Preview* checks are worth 0 points: they run a hidden, scored check on public inputs, so you "
                "can fix a problem before the deadline.")
    return ""


def public_section(question, cases, number):
    """Markdown of a question's public cases, for the visible top-level output."""
    public = [case for case in cases if not case.hidden]
    earned = sum(_earned(case) for case in public)
    possible = sum(case.points for case in public)
    passed = sum(case.passed for case in public)
    mark = PASSED if passed == len(public) else FAILED
    head = (f"### {mark} {number}. {inline(question)}: {passed} of {len(public)} public checks passed "
            f"({points(earned)} / {points(possible)} points)")
    if passed == len(public):
        return head
    rows = [[raw(PASSED if c.passed else FAILED), _case_label(c), _points_cell(c)] for c in public]
    parts = [head, table(["", "Check", "Points"], rows, "clr")]
    parts += _failure_details(public)
    note = _preview_note(public)
    return "\n\n".join(parts + ([note] if note else []))


def question_output(question, cases, later_problems=()):
    """Markdown of a question's Gradescope test: every case, failed public details, and the
    notebook's problems while its hidden checks ran (never shown before publication)."""
    public = [case for case in cases if not case.hidden]
    hidden = [case for case in cases if case.hidden]
    earned = sum(_earned(case) for case in cases)
    possible = sum(case.points for case in cases)
    summary = f"**{inline(question)}: {points(earned)} / {points(possible)} points.**"
    pieces = []
    for kind, group in (("public", public), ("hidden", hidden)):
        if group:
            pieces.append(f"{kind} checks {sum(c.passed for c in group)} of {len(group)} passed "
                          f"({points(sum(_earned(c) for c in group))} / {points(sum(c.points for c in group))})")
    summary += " " + inline("; ".join(pieces).capitalize() + ".")
    rows = []
    for case in public:
        rows.append([raw(PASSED if case.passed else FAILED), _case_label(case), _points_cell(case)])
    for number, case in enumerate(hidden, start=1):
        rows.append([raw(PASSED if case.passed else FAILED), _case_label(case, number), _points_cell(case)])
    parts = [summary, table(["", "Check", "Points"], rows, "clr")]
    parts += _failure_details(public)
    if hidden:
        parts.append("Hidden checks run other inputs (random and edge cases) of the same kind as the public ones; "
                     "they show only whether they passed.")
    if later_problems:
        parts.append("**Your notebook while these hidden checks ran:**\n\n"
                     + "\n".join(f"- {line}" for line in later_problems))
    note = _preview_note(public)
    return "\n\n".join(parts + ([note] if note else []))


def _case_data(case):
    data = {"name": case.name, "hidden": bool(case.hidden), "passed": bool(case.passed), "points": points(case.points)}
    if not case.passed and not case.hidden:
        data["hint"] = hint_of(case.message)
    return data


def _test_entry(number, question, cases, later_problems=()):
    max_score = sum(case.points for case in cases)
    score = sum(_earned(case) for case in cases)
    return {
        "name": question,
        "number": str(number),
        "score": points(score),
        "max_score": points(max_score),
        "status": "passed" if all(case.passed for case in cases) else "failed",
        "output": question_output(question, cases, later_problems),
        "output_format": "md",
        "visibility": "after_published",
        "extra_data": {"question": question, "cases": [_case_data(case) for case in cases]},
    }


# -- the whole submission -----------------------------------------------------------


def _skipped_runs(skipped):
    """[(first, last, reason)] of consecutive skipped cells that share their reason."""
    runs = []
    for index, reason in sorted(skipped.items()):
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == reason:
            runs[-1][1] = index
        else:
            runs.append([index, index, reason])
    return runs


def notebook_problems(session):
    """Markdown lines on how the notebook ran: its problem, skipped cells, cells that raised.

    Bounded whatever the notebook: runs of skipped cells and cell errors are capped.
    """
    lines = []
    if session.problem:
        lines.append(inline(session.problem))
    runs = _skipped_runs(session.skipped)
    for first, last, reason in runs[:MAX_SKIPPED_RUNS_SHOWN]:
        cells = f"Cell {first + 1} was" if first == last else f"Cells {first + 1} to {last + 1} were"
        lines.append(inline(f"{cells} not run: {reason}."))
    if len(runs) > MAX_SKIPPED_RUNS_SHOWN:
        more = sum(last - first + 1 for first, last, _ in runs[MAX_SKIPPED_RUNS_SHOWN:])
        lines.append(inline(f"... and {more} more cells were not run."))
    errors = [report for report in session.reports if report.error]
    for report in errors[:MAX_CELL_ERRORS_SHOWN]:
        error = report.error if isinstance(report.error, dict) else {}
        kind = str(error.get("type", "an error"))[:100]
        message = str(error.get("message", ""))[:300]
        line = f"Code cell {report.index + 1} raised {code_span(kind)}"
        lines.append(line + (f": {code_span(message)}" if message.strip() else "."))
    if len(errors) > MAX_CELL_ERRORS_SHOWN:
        lines.append(inline(f"... and {len(errors) - MAX_CELL_ERRORS_SHOWN} more cells raised errors."))
    return lines


def _overview(test_files, case_results, problems):
    public = [case for case in case_results if not case.hidden]
    hidden_points = sum(case.points for case in case_results if case.hidden)
    earned = sum(_earned(case) for case in public)
    possible = sum(case.points for case in public)
    parts = [f"## Public checks: {points(earned)} / {points(possible)} points"]
    if problems:
        parts.append("**Your notebook, run from top to bottom:**\n\n" + "\n".join(f"- {line}" for line in problems))
    parts.append(inline(
        f"Hidden checks (worth {points(hidden_points)} more points) try other inputs; their results and your total "
        "score appear when grades are published. The free-response question is graded by hand."))
    for number, test_file in enumerate(test_files, start=1):
        cases = [case for case in case_results if case.question == test_file.name]
        if cases:
            parts.append(public_section(test_file.name, cases, number))
    return "\n\n".join(parts)


def _results(score, seconds, output, tests, extra):
    return {
        "score": points(score),
        "execution_time": round(seconds, 3),
        "output": output,
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": extra,
        "tests": tests,
    }


def graded(test_files, case_results, problems, later_problems, confinement, seconds):
    """Results of a graded submission.

    problems: notebook_problems() as they were when the public cases had run (the visible
    output shows these only); later_problems: {question: lines that arose while its hidden
    cases ran}, shown in that question's test, published later. confinement: confinement(session).
    """
    tests = []
    for number, test_file in enumerate(test_files, start=1):
        cases = [c for c in case_results if c.question == test_file.name]
        if cases:
            tests.append(_test_entry(number, test_file.name, cases, later_problems.get(test_file.name, ())))
    score = sum(_earned(case) for case in case_results)
    public = [case for case in case_results if not case.hidden]
    extra = {
        "public_score": points(sum(_earned(case) for case in public)),
        "public_max_score": points(sum(case.points for case in public)),
        "notebook_problems": len(problems) + sum(len(lines) for lines in later_problems.values()),
        **confinement,
    }
    output = _overview(test_files, case_results, problems)
    if extra["isolation_level"] != "none" and extra["isolation_weaker_because"]:
        output += "\n\n" + inline(f"Grader note: your notebook ran at the isolation level "
                                   f"{extra['isolation_level']!r}, not a stronger one "
                                   f"({extra['isolation_weaker_because']}).")
    return _results(score, seconds, output, tests, extra)


def confinement(session):
    """How the notebook was confined (the session's description), its level and why no stronger one was used."""
    return {"isolation": getattr(session, "isolation", "") or "", **isolation_fields(session)}


def isolation_fields(session):
    """How the notebook was confined and why no stronger level was used (for `make grade` and its report)."""
    process = getattr(session, "process", None)
    level = getattr(process, "level", "") if process is not None else ""
    if level:
        return {"isolation_level": level, "isolation_weaker_because": getattr(process, "reason", "") or ""}
    return {"isolation_level": "none", "isolation_weaker_because": getattr(session, "problem", "") or ""}


def unreadable(test_files, message, seconds):
    """Results for a submission that could not be read at all: zero, and why."""
    tests = [
        {
            "name": test_file.name,
            "number": str(number),
            "score": 0,
            "max_score": points(test_file.points),
            "status": "failed",
            "output": "Not graded: the submission could not be read.",
            "output_format": "md",
            "visibility": "after_published",
            "extra_data": {"question": test_file.name, "cases": []},
        }
        for number, test_file in enumerate(test_files, start=1)
    ]
    output = "\n\n".join(["## Not graded", inline(message),
                          inline("Nothing could be graded, so every question scores 0. Upload the notebook "
                                 "(.ipynb) you worked in, then check the results again.")])
    return _results(0, seconds, output, tests, {"unreadable": True, "reason": str(message)})


def question_of(test):
    """The question a test entry of these results grades (its extra_data says so)."""
    return str((test.get("extra_data") or {}).get("question", ""))


def question_scores(data):
    """{question: score} of one results dict (None: not graded, no scores)."""
    scores = {}
    for test in (data or {}).get("tests", []):
        question = question_of(test)
        scores[question] = scores.get(question, 0.0) + float(test.get("score", 0) or 0)
    return scores


def grader_failure(seconds=0.0):
    """Results when the grader itself failed on a submission (still valid for Gradescope)."""
    output = "\n\n".join(["## Not graded", inline(
        "The autograder itself failed on this submission (not your code's fault as far as it can tell). "
        "Please tell your instructor; your upload is kept.")])
    return _results(0, seconds, output, [], {"grader_failed": True})
