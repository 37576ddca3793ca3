"""Command line of the grader; Gradescope's run_autograder and `make grade` both call it.

    python -m vg_grader grade --source DIR --submission PATH --results FILE
    python -m vg_grader batch --source DIR --submissions DIR --out DIR [--jobs N] [--roster FILE]
    python -m vg_grader graders --source DIR    (batch starts it: see serve_graders)

DIR (--source) is an unpacked autograder bundle: config.json, tests/, the reference module.

`batch` grades every DIR/*.ipynb, or every submission of a roster (roster.json, written by
`make grade`'s intake: stem, path below DIR, students, submission id, and the inputs it could
not take with the reason), each in its own grader process (one failure never stops the rest;
forked from one that imported the grader once: serve_graders), and writes, in OUT (which may
already exist):

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
import atexit
import json
import os
import pathlib
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from . import results, safe_text

GRADE_TIMEOUT_MARGIN = 60  # seconds past a submission's budget before `batch` gives up on its grader
OUTPUTS_MANIFEST = ".make-grade-outputs.txt"  # one path a line; not *.json, which are results
IDENTITY = ["submission_id", "name", "email", "sid"]
NO_ISOLATION = 3  # exit status of `batch` when no isolation level can run a notebook here (nothing is graded)


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


def grade_one(source_dir, submission, results_path, config=None, test_files=None):
    from . import grading

    started = time.monotonic()
    try:
        data = grading.grade(submission, source_dir, config or load_config(source_dir), test_files)
        write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        write_json(results_path, data)
    return data


def serve_graders(source_dir):
    """`graders`: fork a fresh grader per request, from a process that imported the grader and read the tests once.

    It first finds the isolation level this machine gives (sandbox.probe: one student process
    started and stopped) and replies {"level", "reason"} ("" if none can run a notebook).
    Requests come on stdin, one JSON line each: {"id", "submission", "results", "stderr"}.
    Each is graded as `grade` grades it, in a child process of its own (stdout /dev/null,
    stderr into the request's file), so that one that crashes or hangs costs that submission
    only; replies on stdout are {"id", "pid"} once it runs and {"id", "code"} (its exit
    status) once it ended. Ends when stdin closes and every child has ended. Single-threaded,
    with one BLAS thread (batch sets it), so forking it is safe: starting Python and numpy and
    compiling the tests once per batch instead of once per submission is what this saves.
    """
    from . import grading, sandbox

    config = load_config(source_dir)
    test_files = grading.load_tests(source_dir, config)
    try:  # the isolation level of the whole run, found once: every grader forked below starts there
        level, reason = sandbox.probe()
    except sandbox.StudentProcessError as error:
        level, reason = "", str(error)
    if level:
        os.environ[sandbox.ISOLATION_VARIABLE] = level
        os.environ[sandbox.PROBED_VARIABLE] = reason
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select through the wake-up pipe
    signal.set_wakeup_fd(wake_w)
    requests, pending, running, open_input = sys.stdin.fileno(), b"", {}, True

    def reply(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    reply({"level": level, "reason": reason})
    while open_input or running:
        ready = select.select([wake_r] + ([requests] if open_input else []), [], [])[0]
        if wake_r in ready:
            while True:
                try:
                    os.read(wake_r, 4096)
                except BlockingIOError:
                    break
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            if pid in running:  # else an orphan adopted from a grader that died (the user level's subreaper)
                reply({"id": running.pop(pid), "code": os.waitstatus_to_exitcode(status)})
        if requests in ready:
            chunk = os.read(requests, 65536)
            open_input = bool(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for request in (json.loads(line) for line in lines if line.strip()):
                pid = os.fork()
                if pid == 0:
                    _grade_forked(source_dir, config, test_files, request, (wake_r, wake_w))
                running[pid] = request["id"]
                reply({"id": request["id"], "pid": pid})


def _grade_forked(source_dir, config, test_files, request, inherited):
    """In a child of serve_graders: grade one request, then exit (never return into the server's loop)."""
    code = 1
    atexit._clear()  # the server's exit handlers are the server's (its probe's runtime copy, at the user level)
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in inherited:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        grade_one(source_dir, pathlib.Path(request["submission"]), pathlib.Path(request["results"]), config,
                  test_files)
        code = 0
    except BaseException:  # noqa: B036 - reported on stderr; the child must exit here whatever happened
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()  # what grading registered here
        sys.stderr.flush()
        os._exit(code)


class Graders:
    """The batch's side of serve_graders: grade(submission, results, timeout) from any thread."""

    def __init__(self, source_dir, folder):
        environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        self.folder, self.lock, self.slots, self.count = folder, threading.Lock(), {}, 0
        self.server = subprocess.Popen([sys.executable, "-m", "vg_grader", "graders", "--source", str(source_dir)],
                                       cwd=source_dir, env=environment, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE)
        try:
            probe = json.loads(self.server.stdout.readline())
        except ValueError:  # the server did not start (its error is on stderr)
            probe = {"level": "", "reason": "the grader could not start"}
        self.level, self.reason = probe["level"], probe["reason"]
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.server.stdout:
            message = json.loads(line)
            with self.lock:
                slot = self.slots[message["id"]]
            if "pid" in message:
                slot["pid"] = message["pid"]
            else:
                slot["code"] = message["code"]
                slot["done"].set()
        with self.lock:  # the server is gone: nobody waits for it any longer
            for slot in self.slots.values():
                slot["done"].set()

    def grade(self, submission, results_path, timeout):
        """(exit code or None if it did not end in time and was killed, the grader's stderr)."""
        with self.lock:
            self.count += 1
            key = str(self.count)
            slot = self.slots[key] = {"done": threading.Event(), "pid": None, "code": None}
            stderr = os.path.join(self.folder, f"{key}.stderr")
            request = {"id": key, "submission": str(submission), "results": str(results_path), "stderr": stderr}
            self.server.stdin.write((json.dumps(request) + "\n").encode())
            self.server.stdin.flush()
        ended = slot["done"].wait(timeout)
        if not ended and slot["pid"]:
            try:  # a child the server has not reaped yet: its pid is still its own
                os.kill(slot["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
            slot["done"].wait(10)
        try:
            with open(stderr, "rb") as handle:
                text = handle.read().decode(errors="replace")
            os.unlink(stderr)
        except OSError:
            text = ""
        if not ended:
            return None, text
        return (-1 if slot["code"] is None else slot["code"]), text  # -1: the server stopped first

    def close(self):
        self.server.stdin.close()
        self.server.wait()


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
    import csv
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
    import concurrent.futures  # the batch's only: `grade`, run once per submission on Gradescope, starts faster
    import csv

    from . import report
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
            code, stderr = graders.grade(notebook, result_path, timeout)
            if code is None:
                why = [f"the grader did not finish within {timeout:.0f} s"]
            elif code:
                why = [safe_text.line(line) for line in stderr.split("\n") if line.strip()][-1:]
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
    with tempfile.TemporaryDirectory(prefix="vg-graders-") as folder:
        graders = Graders(source_dir, folder)
        if not graders.level:
            graders.close()
            print(f"No isolation level can run the notebooks here: {graders.reason}.", file=sys.stderr, flush=True)
            sys.exit(NO_ISOLATION)
        print(f"Isolation level: {graders.level}" + (f" (stronger levels not available: {graders.reason})"
                                                     if graders.reason else ""), flush=True)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
                graded = list(pool.map(run, entries))
        finally:
            graders.close()
    for entry, data in graded:
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
    server = commands.add_parser("graders", help="fork a grader per request on stdin (batch starts it)")
    server.add_argument("--source", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "grade":
        grade_one(args.source.resolve(), args.submission, args.results)
    elif args.command == "graders":
        serve_graders(args.source.resolve())
    else:
        if not args.submissions.is_dir():
            sys.exit(f"SUBMISSIONS={args.submissions} is not a folder: give a folder of .ipynb files.")
        batch(args.source.resolve(), args.submissions, args.out, max(1, args.jobs), args.roster)


if __name__ == "__main__":
    main()
