"""`make grade`'s graders: grading servers (`python -m grader serve`, grader/server.py), one per job, each
forking one grading process per submission that runs what `python -m grader grade` runs on Gradescope.

This module imports little (no numpy, no pages, no YAML), so that `make grade` can start its first server
before it loads the rest: the server starts while the submissions are staged.
"""

import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import grader
from grader import safe_text

STOP_GRACE_SECONDS = 10  # for an interrupted grader to remove its sandbox
SERVER_START_SECONDS = 120  # for a grading server to load the grader and answer a request


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
        self.head = None  # the HeadStart not yet asked for

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def warm_up(self):
        """Start a server now, for the first grading: it answers at once, and loads the rest of the grader
        during that grading."""
        server = GradingServer(self.source_dir, self.environment, self.logs)
        with self.lock:
            self.idle.append(server)

    def head_start(self, submission, timeout):
        """Start grading `submission` now, before anyone asks (make grade: before it knows the isolation level),
        with the `updates` of now. Its results wait among the logs, where no student process can read them,
        until `grade` asks for that submission: it then gets them, moved to where it wants them. Unasked for
        (the batch never ran), they are removed with the logs."""
        head = HeadStart(submission, self.logs / "head-start.json")
        with self.lock:
            if self.head is not None:
                raise RuntimeError("one head start at a time")
            self.head = head
        head.thread = threading.Thread(target=head.run, args=(self, timeout), daemon=True)
        head.thread.start()

    def head_start_results(self):
        """The results the head start's grading wrote (once it ended), or None: no head start, or no results."""
        with self.lock:
            head = self.head
        if head is None:
            return None
        head.thread.join()
        try:
            return json.loads(head.results_path.read_text())
        except (OSError, ValueError):
            return None

    def grade(self, submission, results_path, timeout):
        """(exit status, stderr) of one grading; TimeoutExpired past timeout (its process is then killed)."""
        with self.lock:
            head, asked = self.head, self.head is not None and self.head.submission == os.fspath(submission)
            if asked:
                self.head = None
        if asked:
            return head.outcome(results_path)
        return self._grade(submission, results_path, timeout)

    def _grade(self, submission, results_path, timeout):
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
        with self.lock:
            head, self.head = self.head, None
        if head is not None:
            head.thread.join()
        self.logs_folder.cleanup()


class HeadStart:
    """A grading Graders.head_start began: its thread, and what it gave (or raised) once it is done."""

    def __init__(self, submission, results_path):
        self.submission, self.results_path = os.fspath(submission), results_path
        self.thread = self.value = self.error = None

    def run(self, graders, timeout):
        try:
            self.value = graders._grade(self.submission, self.results_path, timeout)
        except BaseException as error:  # noqa: B036 - given, as raised, to whoever asks for the results
            self.error = error

    def outcome(self, results_path):
        """What Graders.grade would have given, its results moved to results_path (if it wrote any)."""
        self.thread.join()
        if self.results_path.exists():
            shutil.move(self.results_path, results_path)
        if self.error is not None:
            raise self.error
        return self.value
