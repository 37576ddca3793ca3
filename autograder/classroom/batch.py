"""Command line of the grader; Gradescope's run_autograder and `make grade` both call it.

    python -m vg_grader grade --source DIR --submission PATH --results FILE
    python -m vg_grader batch --source DIR --submissions DIR --out DIR [--jobs N] [--roster FILE]

DIR (--source) is an unpacked autograder bundle: config.json, tests/, the reference module.

`batch` grades every DIR/*.ipynb, or every submission of a roster (roster.json, written by
`make grade`'s intake: stem, path below DIR, students, submission id, and the inputs it could
not take with the reason), each in its own grader process (one failure never stops the rest),
and writes, in OUT (which may already exist):

    OUT/<stem>.json            the results Gradescope would get (always written, valid)
    OUT/grades.csv             submission,submission_id,name,email,sid,<question>...,total:
                               one row per student (per submission when no student is known)
    OUT/gradescope_import.csv  Name,SID,Email,Score: the autograded scores of the students
                               with an email or SID, to import into Gradescope or an LMS
    OUT/not_graded.csv         input,reason: everything this run could not grade
    OUT/feedback/<stem>.html   what the student would see on Gradescope
    OUT/report.html            the class report (vg_grader.report)

Files an earlier run wrote (OUTPUTS_MANIFEST lists them) that this run did not write are
removed, so OUT holds exactly this run's results; files it did not write are left alone.
It shows a progress bar with the running count, the rate and the time left.
"""

import argparse
import concurrent.futures
import csv
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import traceback

from . import report, results, safe_text

GRADE_TIMEOUT_MARGIN = 60  # seconds past a submission's budget before `batch` gives up on its grader
OUTPUTS_MANIFEST = ".make-grade-outputs.txt"  # one path a line; not *.json, which are results
IDENTITY = ["submission_id", "name", "email", "sid"]


def load_config(source_dir):
    from .sandbox import Limits  # only grading needs it (and numpy): the batch starts faster

    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def grade_one(source_dir, submission, results_path):
    from . import grading

    started = time.monotonic()
    try:
        data = grading.grade(submission, source_dir, load_config(source_dir))
        write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        write_json(results_path, data)
    return data


class Progress:
    """A progress bar on a terminal (one line, redrawn); one line per submission otherwise."""

    def __init__(self, total, stream=None, width=28):
        self.total, self.width, self.done = total, width, 0
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def line(self, last=""):
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0
        filled = int(self.width * self.done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        return (f"[{bar}] {self.done}/{self.total}  {rate * 60:.1f}/min  elapsed {elapsed:.0f}s  "
                f"left ~{left:.0f}s" + (f"  {last}" if last else ""))

    def advance(self, message, problem=False):
        with self.lock:
            self.done += 1
            if self.tty:
                if problem:  # keep problems on screen above the bar
                    self.stream.write("\r\033[K" + message + "\n")
                self.stream.write("\r\033[K" + self.line(message if not problem else ""))
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(self.line(message) + "\n")
            self.stream.flush()


def _case_catalogue(source_dir):
    """{question: [{"name", "description", "hidden", "points"}]}: the bundle's cases.json, written by the build."""
    try:
        return json.loads((source_dir / "cases.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # the report then shows case names instead of descriptions
        traceback.print_exc()
        return {}


def _grade_timeout(source_dir):
    """A last resort: the grader keeps to the submission's budget (total_seconds) itself."""
    from .sandbox import Limits  # the default budget; imported here so the batch starts fast

    try:
        limits = json.loads((source_dir / "config.json").read_text()).get("limits", {})
        return float(limits.get("total_seconds", Limits.total_seconds)) + GRADE_TIMEOUT_MARGIN
    except (OSError, ValueError, TypeError, AttributeError):
        return Limits.total_seconds + GRADE_TIMEOUT_MARGIN


def load_roster(submissions_dir, roster_path):
    """(submissions, not graded, where they came from): the roster's, or every DIR/*.ipynb."""
    if roster_path is None:
        return [{"stem": path.stem, "path": path.name, "input": path.name, "submission_id": "", "students": []}
                for path in sorted(submissions_dir.glob("*.ipynb"))], [], submissions_dir
    roster = json.loads(roster_path.read_text(encoding="utf-8"))
    for entry in roster["submissions"]:  # names and ids come from the export: student text
        entry["submission_id"] = safe_text.line(entry["submission_id"])
        entry["students"] = [{key: safe_text.line(value) for key, value in student.items()}
                             for student in entry["students"]]
    return roster["submissions"], roster["not_graded"], roster["source"]


def _write_csv(path, header, rows):
    """A CSV whose cells (student names and file names among them) never read as formulas."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([safe_text.csv_cell(cell) for cell in row] for row in rows)


class Outputs:
    """The files this tool wrote into OUT, kept in OUT/OUTPUTS_MANIFEST across runs."""

    def __init__(self, out_dir):
        self.out_dir, self.path = out_dir, out_dir / OUTPUTS_MANIFEST
        try:  # file names need not be UTF-8: kept byte for byte (surrogateescape)
            self.earlier = set(filter(None, self.path.read_text("utf-8", "surrogateescape").split("\n")))
        except (OSError, ValueError):
            self.earlier = set()
        self.now = set()

    def expect(self, names):
        """Record what this run will write before writing it, so nothing escapes the manifest."""
        self.now |= set(names)
        self._write(self.earlier | self.now)

    def _write(self, names):
        write_bytes(self.path, "".join(f"{name}\n" for name in sorted(names)).encode("utf-8", "surrogateescape"))

    def finish(self):
        """Remove what earlier runs wrote and this one did not: (removed, foreign files)."""
        removed = sorted(self.earlier - self.now)
        for name in removed:
            path = self.out_dir / name
            if path.parent.resolve().is_relative_to(self.out_dir) and not path.is_symlink():
                path.unlink(missing_ok=True)
        self._write(self.now)
        ours = self.now | {OUTPUTS_MANIFEST}
        foreign = sorted(path.relative_to(self.out_dir).as_posix() for path in self.out_dir.rglob("*")
                         if path.is_file() and path.relative_to(self.out_dir).as_posix() not in ours)
        return removed, foreign


def batch(source_dir, submissions_dir, out_dir, jobs, roster_path=None):
    """Grade every submission in its own grader process; one failure never stops the rest."""
    entries, not_graded, source = load_roster(submissions_dir, roster_path)
    if not entries and not not_graded:
        sys.exit(f"No .ipynb files in {submissions_dir}: put one notebook per student there.")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(out_dir)
    outputs.expect([f"{e['stem']}.json" for e in entries] + [f"feedback/{e['stem']}.html" for e in entries]
                   + ["grades.csv", "gradescope_import.csv", "not_graded.csv", "report.html"])
    config = json.loads((source_dir / "config.json").read_text())
    questions = [(q["name"], q["points"]) for q in config["questions"]]
    names = [name for name, _ in questions]
    timeout = _grade_timeout(source_dir)
    progress = Progress(len(entries))
    count = f"{len(entries)} submission{'' if len(entries) == 1 else 's'}"
    print(f"Grading {count} from {source} with {jobs} job(s) into {out_dir}", flush=True)

    def run(entry):
        notebook = (submissions_dir / entry["path"]).resolve()
        name = safe_text.line(entry["input"])  # file names are the student's too: shown only this way
        result_path = out_dir / f"{entry['stem']}.json"
        result_path.unlink(missing_ok=True)  # never report an earlier run's results as this one's
        started, why = time.monotonic(), []
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "vg_grader", "grade", "--source", str(source_dir),
                 "--submission", str(notebook), "--results", str(result_path)],
                cwd=source_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, timeout=timeout,
            )
            if completed.returncode:
                why = [safe_text.line(line) for line in completed.stderr.decode(errors="replace").split("\n")
                       if line.strip()][-1:]
        except subprocess.TimeoutExpired:
            why = [f"the grader did not finish within {timeout:.0f} s"]
        except OSError as error:
            why = [str(error)]
        try:
            data = json.loads(result_path.read_text())
        except (OSError, ValueError):
            data = None
        if data is None:  # the grader process died: still write a valid results file
            data = results.grader_failure(time.monotonic() - started)
            write_json(result_path, data)
            problem = f"{name}: NOT GRADED ({'; '.join(why) or 'no results written'})"
        else:
            problem = ""
        failed = bool((data.get("extra_data") or {}).get("grader_failed"))
        stem = safe_text.line(entry["stem"])
        page = out_dir / "feedback" / f"{entry['stem']}.html"
        try:
            write_text(page, report.feedback_page(stem, data if not failed else None))
        except Exception:  # a page that cannot be rendered must not stop the batch: write the short one
            traceback.print_exc()
            write_text(page, report.feedback_page(stem, None))
        if failed and not problem:
            problem = f"{name}: NOT GRADED (the grader failed on it)"
        extra = data.get("extra_data") or {}
        if not problem and extra.get("isolation_weaker_because"):  # a weaker isolation level is never silent
            problem = (f"{name}: {data.get('score', 0)} (isolation {safe_text.line(extra.get('isolation_level'))}: "
                       f"{safe_text.line(extra['isolation_weaker_because'], limit=500)})")
        progress.advance(problem or f"{name}: {data.get('score', 0)}", problem=bool(problem))
        return entry, (None if failed else data)

    records = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for entry, data in pool.map(run, entries):
            records.append({"stem": safe_text.line(entry["stem"]), "file": entry["stem"], "results": data,
                            "students": entry["students"], "submission_id": entry["submission_id"]})
            if data is None:
                not_graded.append({"input": entry["input"], "reason": "the grader failed on it (see the batch output)"})
            elif (data.get("extra_data") or {}).get("unreadable"):  # scored 0, and the student is told why
                not_graded.append({"input": entry["input"], "reason": "unreadable, scored 0: "
                                   + str(data["extra_data"].get("reason", "see its feedback page"))})

    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission"] + IDENTITY + names + ["total"])
        for record in records:
            scores = report.question_scores(record["results"])
            for student in record["students"] or [{}]:  # a group: one row per student
                identity = [record["submission_id"]] + [student.get(key, "") for key in IDENTITY[1:]]
                if record["results"] is None:
                    row = [record["stem"]] + identity + ["" for _ in names] + [""]
                else:
                    row = ([record["stem"]] + identity + [results.points(scores.get(n, 0)) for n in names]
                           + [record["results"].get("score", "")])
                writer.writerow([safe_text.csv_cell(cell) for cell in row])
    importable = [[student.get("name", ""), student.get("sid", ""), student.get("email", ""),
                   record["results"].get("score", "")]
                  for record in records if record["results"] is not None
                  for student in record["students"] if student.get("email") or student.get("sid")]
    _write_csv(out_dir / "gradescope_import.csv", ["Name", "SID", "Email", "Score"], importable)
    not_graded = [{"input": safe_text.line(n["input"]), "reason": safe_text.line(n["reason"], limit=2000)}
                  for n in not_graded]  # file names and the grader's words about them: shown only this way
    _write_csv(out_dir / "not_graded.csv", ["input", "reason"], [[n["input"], n["reason"]] for n in not_graded])
    try:
        title = f"Class report: {pathlib.Path(config.get('notebook', 'notebook')).stem}"
        stamp = time.strftime("graded %Y-%m-%d %H:%M")
        write_text(out_dir / "report.html",
                   report.class_report(records, questions, _case_catalogue(source_dir), title=title, generated=stamp,
                                       not_graded=not_graded))
    except Exception:  # the grades are written; a report that fails must not hide them
        traceback.print_exc()
        print("Could not write report.html (see the error above).", file=sys.stderr)
    removed, foreign = outputs.finish()
    if not_graded:
        print(f"Not graded ({len(not_graded)}, listed in not_graded.csv):")
        for item in not_graded:
            print(f"  {item['input']}: {item['reason']}")
    if removed:
        print(f"Removed {len(removed)} file(s) of an earlier run that are not results of this run: "
              + ", ".join(removed[:20]) + (" ..." if len(removed) > 20 else ""))
    if foreign:
        print(f"Left alone in OUT ({len(foreign)} file(s) this tool did not write): "
              + ", ".join(foreign[:10]) + (" ..." if len(foreign) > 10 else ""))
    for line in report.isolation_summary(records):
        print(line)
    failures = sum(record["results"] is None for record in records)
    print(f"Wrote {len(records)} results, grades.csv ({sum(len(r['students']) or 1 for r in records)} rows), "
          f"gradescope_import.csv ({len(importable)} students), feedback/ and report.html to {out_dir}"
          + (f" ({failures} NOT GRADED)" if failures else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vg_grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (file or Gradescope folder)")
    one.add_argument("--source", type=pathlib.Path, required=True)
    one.add_argument("--submission", type=pathlib.Path, required=True)
    one.add_argument("--results", type=pathlib.Path, required=True)
    many = commands.add_parser("batch", help="grade a folder of notebooks")
    many.add_argument("--source", type=pathlib.Path, required=True)
    many.add_argument("--submissions", type=pathlib.Path, required=True)
    many.add_argument("--out", type=pathlib.Path, required=True)
    many.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    many.add_argument("--roster", type=pathlib.Path, help="roster.json of make grade's intake (default: DIR/*.ipynb)")
    args = parser.parse_args(argv)
    if args.command == "grade":
        grade_one(args.source.resolve(), args.submission, args.results)
    else:
        if not args.submissions.is_dir():
            sys.exit(f"SUBMISSIONS={args.submissions} is not a folder: give a folder of .ipynb files.")
        batch(args.source.resolve(), args.submissions, args.out, max(1, args.jobs), args.roster)


if __name__ == "__main__":
    main()
