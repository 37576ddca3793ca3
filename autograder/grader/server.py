"""`python -m grader serve`: grade submission after submission, each in a fresh process forked from this one.

`make grade` (classroom.batch) runs one server per job. A server forks one grading process per request,
which runs exactly what `python -m grader grade` runs (grade_one) and exits. While its first grading runs,
the server loads what every grading loads (the grader's modules, numpy, config.json, the test files, the
reference module); the later ones are forked with it loaded, and do not pay for the interpreter's start
and numpy's import again. The server itself never grades, so every grading starts from the same
untouched state, as a fresh `python -m grader grade` would. Gradescope's run_autograder grades its one
submission with `python -m grader grade`.

Protocol, one JSON object per line; the server reads stdin and writes stdout:

    -> {"submission": PATH, "results": FILE, "log": FILE, "environment": {NAME: VALUE}}
    <- {"pid": PID}            the grading process started (a session and process group of its own)
    <- {"status": CODE}        it ended: its exit status, as `python -m grader grade` would give it
                               (0; 1 when the grader itself raised; -N when killed by signal N)

The grading process's stderr goes to the log file (created or truncated), and `environment` is added to
its environment (the isolation level `make grade`'s probe found). The server starts by writing
{"ready": true}, and ends at the end of stdin.
"""

import atexit
import importlib
import json
import os
import pathlib
import signal
import sys
import threading
import traceback

from . import otter_tests
from .pipeline import grade_one, load_config

FORWARDED_SIGNALS = {signal.SIGINT, signal.SIGTERM}  # held while forking: see grade_in_child


def preload(source_dir):
    """What every grading of this bundle loads: (config, test files). Also imports the grading modules
    (and numpy) and the bundle's reference module(s), the top-level modules of source_dir."""
    from . import grading  # noqa: F401 - imported here so that no grading process pays for it

    config = load_config(source_dir)
    test_files = otter_tests.load_all(source_dir / "tests", [q["name"] for q in config["questions"]])
    if str(source_dir) not in sys.path:
        sys.path.insert(0, str(source_dir))
    for path in sorted(source_dir.glob("*.py")):
        importlib.import_module(path.stem)
    return config, test_files


def grade_in_child(request, source_dir, prepared):
    """The forked grading process: never returns."""
    status = 1
    try:
        os.setsid()  # killed as a group by whoever asked, as a grader started with start_new_session
        for signum in FORWARDED_SIGNALS:
            signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED_SIGNALS)
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for source, target in ((null, 0), (null, 1), (log, 2)):  # stdout is the protocol's: never written here
            os.dup2(source, target)
        os.close(null)
        os.close(log)
        os.environ.update(request.get("environment") or {})
        grade_one(source_dir, pathlib.Path(request["submission"]), pathlib.Path(request["results"]),
                  prepared=prepared)
        status = 0
    except BaseException:  # noqa: B036 - even KeyboardInterrupt: the process must end here, with a status
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what the grading registered (e.g. the user level's runtime copy)
            sys.stderr.flush()
        finally:
            os._exit(status)


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve(source_dir):
    prepared, unprepared = None, False
    reply({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        # Forking copies one thread only: a server with others (none is expected) could hand its children a
        # lock held forever.
        if threading.active_count() != 1:
            raise SystemExit(f"the grading server has {threading.active_count()} threads; it needs exactly one")
        # Signals are held from before the fork until the child has set its own handlers: one arriving in
        # between would otherwise run this loop's code in the child.
        signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED_SIGNALS)
        pid = os.fork()
        if pid == 0:
            grade_in_child(request, source_dir, prepared)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED_SIGNALS)
        reply({"pid": pid})
        if prepared is None and not unprepared:  # while its first grading runs, which loads all itself
            try:
                prepared = preload(source_dir)
            except Exception:  # a broken bundle: each grading then fails (and says why) as a grader alone would
                traceback.print_exc()
                unprepared = True
        _, status = os.waitpid(pid, 0)
        reply({"status": os.waitstatus_to_exitcode(status)})
