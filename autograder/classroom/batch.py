"""Grade a folder of submissions, each in its own grading process; one failure never stops the rest.

`make grade` (classroom.__main__) calls `batch` with an unpacked bundle (DIR: config.json,
tests/, the reference module, the grader) and what its intake staged (classroom.intake.Staged:
per submission its stem, path below the staging folder, students and submission id, and the inputs
it could not take with the reason). Each submission is graded by the bundle's own grader: one grading
server per job (`python -m grader serve`, grader/server.py) forks a process per submission that runs
what `python -m grader grade` runs on Gradescope. `batch` writes, in OUT (which may already exist):

    OUT/<stem>.json            the results Gradescope would get (always written, valid)
    OUT/grades.csv, OUT/gradescope_import.csv, OUT/not_graded.csv   (classroom.gradebooks)
    OUT/feedback/<stem>.html   what the student would see on Gradescope
    OUT/report.html            the class report (classroom.report)

Files an earlier run wrote (OUTPUTS_MANIFEST lists them) that this run did not write are
removed, so OUT holds exactly this run's results; files it did not write are left alone.
A progress bar shows the running count, the rate and the time left.
"""

import concurrent.futures
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

import grader
from grader import results, safe_text
from grader.files import write_bytes, write_json, write_text
from grader.sandbox.levels import Limits

from . import gradebooks

STOP_GRACE_SECONDS = 10  # for an interrupted grader to remove its sandbox
GRADE_TIMEOUT_MARGIN = 60  # seconds past a submission's budget before `batch` gives up on its grader
SERVER_START_SECONDS = 120  # for a grading server to load the grader and answer a request
OUTPUTS_MANIFEST = ".make-grade-outputs.txt"  # one path a line; not *.json, which are results


def grade_timeout(config):
    """A last resort: the grader keeps to the submission's budget (total_seconds) itself."""
    return float(config.get("limits", {}).get("total_seconds", Limits.total_seconds)) + GRADE_TIMEOUT_MARGIN


def new_log(folder, prefix):
    descriptor, path = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".log")
    os.close(descriptor)
    return pathlib.Path(path)


class ServerGone(Exception):
    """A grading server ended, or said something else than the protocol: its last words, if any."""


class GradingServer:
    """One `python -m grader serve` (grader/server.py) of the unpacked bundle, in a session of its own: it forks
    one grading process per submission, exactly as `python -m grader grade` would grade it."""

    def __init__(self, source_dir, environment, logs):
        self.stderr_path = new_log(logs, "server-")
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(grader.server_command(source_dir), cwd=source_dir, env=environment,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                            start_new_session=True)
        self.pending = b""
        self.ready = False
        self.broken = False  # a message asked for did not come: the server is out of step, not to be reused

    def _message(self, deadline):
        """The next line the server writes, decoded; ServerGone at its end, TimeoutExpired past deadline."""
        fd = self.process.stdout.fileno()
        self.broken = True
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(self.process.args, 0)
            if not select.select([fd], [], [], remaining)[0]:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ServerGone(self.last_words() or "the grading server stopped")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            raise ServerGone(f"the grading server wrote {line[:200]!r}")
        self.broken = False
        return message

    def start(self, request):
        """Ask for one grading (grader/server.py): the pid of its process (also its process group)."""
        try:
            if not self.ready:
                self.ready = self._message(time.monotonic() + SERVER_START_SECONDS).get("ready") is True
                if not self.ready:
                    raise ServerGone("the grading server did not say it was ready")
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            pid = self._message(time.monotonic() + SERVER_START_SECONDS).get("pid")
        except OSError:
            self.broken = True
            raise ServerGone(self.last_words() or "the grading server stopped") from None
        except subprocess.TimeoutExpired:
            raise ServerGone(f"the grading server did not answer within {SERVER_START_SECONDS} s") from None
        if not isinstance(pid, int) or pid <= 0:
            self.broken = True
            raise ServerGone("the grading server did not start a grading process")
        return pid

    def wait(self, deadline):
        """The exit status of the grading process started last; TimeoutExpired past deadline."""
        status = self._message(deadline).get("status")
        if not isinstance(status, int):
            raise ServerGone("the grading server did not say how the grading ended")
        return status

    def last_words(self):
        try:
            lines = self.stderr_path.read_bytes().decode(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return safe_text.line(lines[-1]) if lines else ""

    def close(self):
        """End the server (at the end of its stdin, or killed after STOP_GRACE_SECONDS)."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process.stdout.close()
        self.stderr_path.unlink(missing_ok=True)


def signal_group(pid, signum):
    """Signal the process group led by pid (a grading process, a server), or pid alone if it leads none yet."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


class Graders:
    """The grading servers of a batch (one per job, started when first needed) and the grading processes
    running now, so that all can be stopped at once when the batch stops early (an exception, Ctrl-C,
    SIGTERM). A server that ends, or stops answering, is replaced for the next submission."""

    def __init__(self, source_dir, environment=None):
        """environment: the servers' (None: this process's). Set `updates` to add variables to the grading
        processes' environment (make grade: the isolation level its probe found)."""
        self.source_dir, self.environment, self.updates = source_dir, environment, {}
        self.logs_folder = tempfile.TemporaryDirectory(prefix="vg-grader-logs-")  # their stderr, read on failure
        self.logs = pathlib.Path(self.logs_folder.name)
        # Re-entrant: a signal that ends `make grade` (classroom.leave_on_signal) can stop it while it holds the lock.
        self.lock, self.idle, self.running, self.stopping = threading.RLock(), [], set(), False
        self.ended = threading.Condition(self.lock)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def warm_up(self):
        """Start a server now: it answers at once, and loads the rest of the grader during its first grading."""
        server = GradingServer(self.source_dir, self.environment, self.logs)
        with self.lock:
            self.idle.append(server)

    def grade(self, submission, results_path, timeout):
        """(exit status, stderr) of one grading; TimeoutExpired past timeout (its process is then killed)."""
        with self.lock:
            if self.stopping:
                return -signal.SIGKILL, b"the batch was stopped"
            server = self.idle.pop() if self.idle else None
        if server is not None and server.process.poll() is not None:  # it ended while idle: replaced
            server.close()
            server = None
        log = new_log(self.logs, "grading-")
        try:
            if server is None:
                server = GradingServer(self.source_dir, self.environment, self.logs)
            request = {"submission": os.fsdecode(submission), "results": os.fsdecode(results_path),
                       "log": os.fsdecode(log), "environment": dict(self.updates)}
            status = self._run(server, request, timeout)
            return status, log.read_bytes()
        except ServerGone as gone:
            return -1, str(gone).encode()
        finally:
            log.unlink(missing_ok=True)
            if server is not None:
                self._give_back(server)

    def _run(self, server, request, timeout):
        pid = server.start(request)
        with self.lock:
            self.running.add(pid)
            if self.stopping:  # stop() came while it started
                signal_group(pid, signal.SIGINT)
        try:
            return server.wait(time.monotonic() + timeout)
        except subprocess.TimeoutExpired:
            signal_group(pid, signal.SIGKILL)
            server.wait(time.monotonic() + STOP_GRACE_SECONDS)  # its status, so that the server can go on
            raise
        finally:
            with self.lock:
                self.running.discard(pid)
                self.ended.notify_all()

    def _give_back(self, server):
        with self.lock:
            keep = not self.stopping and not server.broken and server.process.poll() is None
            if keep:
                self.idle.append(server)
        if not keep:
            server.close()

    def stop(self):
        """Stop every grading still running, start no other and end the servers. Each grading is interrupted
        first, as Ctrl-C would, so that it removes its sandbox on the way out; one that has not ended after
        STOP_GRACE_SECONDS is killed."""
        with self.lock:
            self.stopping = True
            for pid in self.running:
                signal_group(pid, signal.SIGINT)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while self.running and self.ended.wait(max(0.0, deadline - time.monotonic())):
                pass
            for pid in self.running:
                signal_group(pid, signal.SIGKILL)
            idle, self.idle = self.idle, []
        for server in idle:
            server.close()

    def close(self):
        """stop(), and remove the logs: once no thread runs a grading any more."""
        self.stop()
        self.logs_folder.cleanup()


def safe_roster(staged):
    """The staged submissions with their names and ids made safe: they come from the export, student text."""
    entries = [dict(entry, submission_id=safe_text.line(entry["submission_id"]),
                    students=[{key: safe_text.line(value) for key, value in student.items()}
                              for student in entry["students"]])
               for entry in staged.submissions]
    return entries, list(staged.not_graded)


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


def prepare_pages():
    """Import the progress bar and the pages' renderer and compile their templates, which take as long as
    starting a grader: `make grade` does it while its isolation probe runs."""
    import tqdm  # noqa: F401 - imported for batch, ahead of it

    from . import report

    report.compile_templates()


def batch(source_dir, staged, out_dir, jobs, environment=None, graders=None):
    """Grade every submission staged by classroom.intake in its own grading process; one failure never
    stops the rest. environment: of the grading servers (None: this process's). graders: a Graders of
    source_dir to use (its caller closes it), or None for one of this batch's own."""
    entries, not_graded = safe_roster(staged)
    submissions_dir, source = staged.folder, staged.source
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(out_dir)
    outputs.expect([f"{e['stem']}.json" for e in entries] + [f"feedback/{e['stem']}.html" for e in entries]
                   + [*gradebooks.FILES, "report.html"])
    config = json.loads((source_dir / "config.json").read_text())
    questions = [(q["name"], q["points"]) for q in config["questions"]]
    timeout = grade_timeout(config)
    count = f"{len(entries)} submission{'' if len(entries) == 1 else 's'}"
    print(f"Grading {count} from {source} with {jobs} job(s) into {out_dir}", flush=True)
    import tqdm  # imported when needed (prepare_pages), not when `make grade` starts

    from . import report

    own_graders = graders is None
    graders = Graders(source_dir, environment) if own_graders else graders
    progress = tqdm.tqdm(total=len(entries), file=sys.stdout, unit="notebook", dynamic_ncols=True,
                         bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")

    def run(entry):
        notebook = (submissions_dir / entry["path"]).resolve()
        name = safe_text.line(entry["input"])  # file names are the student's too: shown only this way
        result_path = out_dir / f"{entry['stem']}.json"
        result_path.unlink(missing_ok=True)  # never report an earlier run's results as this one's
        started, why, last_words = time.monotonic(), [], []
        try:
            status, stderr = graders.grade(notebook, result_path, timeout)
            last_words = [safe_text.line(line) for line in stderr.decode(errors="replace").split("\n")
                          if line.strip()][-1:]
            why = last_words if status else []
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
            problem = f"{name}: NOT GRADED (the grader failed on it{''.join(': ' + line for line in last_words)})"
        extra = data.get("extra_data") or {}
        if not problem and extra.get("isolation_weaker_because"):  # a weaker isolation level is never silent
            problem = (f"{name}: {data.get('score', 0)} (isolation {safe_text.line(extra.get('isolation_level'))}: "
                       f"{safe_text.line(extra['isolation_weaker_because'], limit=500)})")
        if problem:  # kept on screen above the bar
            progress.write(problem)
        progress.set_postfix_str(f"{name}: {data.get('score', 0)}", refresh=False)
        progress.update()
        return entry, (None if failed else data)

    records = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        results_in_order = list(pool.map(run, entries))
    finally:  # on the way out early, no grader may still read the folders about to be removed
        pool.shutdown(wait=False, cancel_futures=True)
        graders.stop()
        pool.shutdown(wait=True)
        if own_graders:
            graders.close()
        progress.close()
    for entry, data in results_in_order:
        records.append({"stem": safe_text.line(entry["stem"]), "file": entry["stem"], "results": data,
                        "students": entry["students"], "submission_id": entry["submission_id"]})
        if data is None:
            not_graded.append({"input": entry["input"], "reason": "the grader failed on it (see the batch output)"})
        elif (data.get("extra_data") or {}).get("unreadable"):  # scored 0, and the student is told why
            not_graded.append({"input": entry["input"], "reason": "unreadable, scored 0: "
                               + str(data["extra_data"].get("reason", "see its feedback page"))})

    not_graded = [{"input": safe_text.line(n["input"]), "reason": safe_text.line(n["reason"], limit=2000)}
                  for n in not_graded]  # file names and the grader's words about them: shown only this way
    rows = gradebooks.write(out_dir, records, [name for name, _ in questions], not_graded)
    try:
        title = f"Class report: {config['notebook'].removesuffix('.ipynb')}"
        stamp = time.strftime("graded %Y-%m-%d %H:%M")
        write_text(out_dir / "report.html",
                   report.class_report(records, questions, config.get("cases", {}), title=title, generated=stamp,
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
    print(f"Wrote {len(records)} results, grades.csv ({rows['grades.csv']} rows), "
          f"gradescope_import.csv ({rows['gradescope_import.csv']} students), feedback/ and report.html to {out_dir}"
          + (f" ({failures} NOT GRADED)" if failures else ""))
