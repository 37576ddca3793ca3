"""Command line of the grader; Gradescope's run_autograder and `make grade` both call it.

    python -m vg_grader grade --source DIR --submission PATH --results FILE
    python -m vg_grader batch --source DIR --submissions DIR --out DIR [--jobs N]

DIR (--source) is an unpacked autograder bundle: config.json, tests/, the reference module.

`batch` grades every DIR/*.ipynb in its own grader process (one failure never stops the
rest) and writes, in OUT (which may already exist):

    OUT/<stem>.json            the results Gradescope would get (always written, valid)
    OUT/grades.csv             submission,<question>...,total: one row per submission
    OUT/feedback/<stem>.html   what the student would see on Gradescope
    OUT/report.html            the class report (vg_grader.report)

It shows a progress bar with the running count, the rate and the time left.
"""

import argparse
import concurrent.futures
import csv
import datetime
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import traceback

from . import grading, otter_tests, report, results
from .sandbox import Limits

GRADE_TIMEOUT_FLOOR = 300  # seconds; the grader bounds its own time, this is a last resort


def load_config(source_dir):
    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def grade_one(source_dir, submission, results_path):
    started = time.monotonic()
    try:
        data = grading.grade(submission, source_dir, load_config(source_dir))
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


def _case_catalogue(source_dir, questions):
    """{question: [{"name", "description", "hidden", "points"}]} from the bundle's test files."""
    try:
        files = otter_tests.load_all(source_dir / "tests", questions)
    except Exception:  # the report then shows case names instead of descriptions
        traceback.print_exc()
        return {}
    return {f.name: [{"name": c.name, "description": c.description, "hidden": c.hidden, "points": c.points}
                     for c in f.cases] for f in files}


def _grade_timeout(source_dir):
    try:
        limits = json.loads((source_dir / "config.json").read_text()).get("limits", {})
        return GRADE_TIMEOUT_FLOOR + 4 * float(limits.get("notebook_seconds", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return GRADE_TIMEOUT_FLOOR * 4


def batch(source_dir, submissions_dir, out_dir, jobs):
    """Grade every DIR/*.ipynb in its own grader process; one failure never stops the rest."""
    notebooks = sorted(path.resolve() for path in submissions_dir.glob("*.ipynb"))
    if not notebooks:
        sys.exit(f"No .ipynb files in {submissions_dir}: put one notebook per student there.")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(source_dir)
    questions = [(q["name"], q["points"]) for q in config["questions"]]
    names = [name for name, _ in questions]
    timeout = _grade_timeout(source_dir)
    progress = Progress(len(notebooks))
    print(f"Grading {len(notebooks)} notebooks from {submissions_dir} with {jobs} job(s) into {out_dir}", flush=True)

    def run(notebook):
        result_path = out_dir / f"{notebook.stem}.json"
        result_path.unlink(missing_ok=True)  # never report an earlier run's results as this one's
        started, why = time.monotonic(), []
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "vg_grader", "grade", "--source", str(source_dir),
                 "--submission", str(notebook), "--results", str(result_path)],
                cwd=source_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, timeout=timeout,
            )
            if completed.returncode:
                why = completed.stderr.decode(errors="replace").strip().splitlines()[-1:]
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
            problem = f"{notebook.name}: NOT GRADED ({'; '.join(why) or 'no results written'})"
        else:
            problem = ""
        failed = bool((data.get("extra_data") or {}).get("grader_failed"))
        try:
            write_text(out_dir / "feedback" / f"{notebook.stem}.html",
                       report.feedback_page(notebook.stem, data if not failed else None))
        except Exception:  # a page that cannot be rendered must not stop the batch
            traceback.print_exc()
        if failed and not problem:
            problem = f"{notebook.name}: NOT GRADED (the grader failed on it)"
        extra = data.get("extra_data") or {}
        if not problem and extra.get("isolation_weaker_because"):  # a weaker isolation level is never silent
            problem = (f"{notebook.name}: {data.get('score', 0)} (isolation {extra.get('isolation_level')}: "
                       f"{extra['isolation_weaker_because']})")
        progress.advance(problem or f"{notebook.name}: {data.get('score', 0)}", problem=bool(problem))
        return notebook, (None if failed else data)

    records = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for notebook, data in pool.map(run, notebooks):
            records.append({"stem": notebook.stem, "results": data})

    with open(out_dir / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission"] + names + ["total"])
        for record in records:
            scores = report.question_scores(record["results"])
            if record["results"] is None:
                writer.writerow([record["stem"]] + ["" for _ in names] + [""])
            else:
                writer.writerow([record["stem"]] + [results.points(scores.get(n, 0)) for n in names]
                                + [record["results"].get("score", "")])
    try:
        title = f"Class report: {pathlib.Path(config.get('notebook', 'notebook')).stem}"
        stamp = datetime.datetime.now().strftime("graded %Y-%m-%d %H:%M")
        write_text(out_dir / "report.html",
                   report.class_report(records, questions, _case_catalogue(source_dir, names), title=title,
                                       generated=stamp))
    except Exception:  # the grades are written; a report that fails must not hide them
        traceback.print_exc()
        print("Could not write report.html (see the error above).", file=sys.stderr)
    for line in report.isolation_summary(records):
        print(line)
    not_graded = sum(record["results"] is None for record in records)
    print(f"Wrote {len(records)} results, grades.csv, feedback/ and report.html to {out_dir}"
          + (f" ({not_graded} NOT GRADED)" if not_graded else ""))


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
    args = parser.parse_args(argv)
    if args.command == "grade":
        grade_one(args.source.resolve(), args.submission, args.results)
    else:
        if not args.submissions.is_dir():
            sys.exit(f"SUBMISSIONS={args.submissions} is not a folder: give a folder of .ipynb files.")
        batch(args.source.resolve(), args.submissions, args.out, max(1, args.jobs))


if __name__ == "__main__":
    main()
