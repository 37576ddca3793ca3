"""`make grade`: grade a folder of submissions with the built Gradescope bundle.

The submissions (notebooks, grader.export() zips, Gradescope exports: vg_build.intake) are
staged with their roster, the bundle is unpacked into a private temporary folder, and its
own grader runs from there, exactly as run_autograder runs it on Gradescope. Before grading,
one student process is started to learn the isolation level this machine gives: a level
weaker than the strongest is announced with the reason, and the `process` level (the student
runs as the instructor's own user, nothing is secret from it) is refused unless asked for
with `make grade ISOLATION=process`.

Nothing stays in the temporary folder on any exit: the bundle (hidden tests, reference) and the
staged submissions live in temporary folders removed on the way out, after the batch's whole
process group is killed, also when `make grade` is interrupted or terminated.
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import zipfile

from . import intake
from .config import REPO

LEVELS = ("namespace", "user", "process")
PROBE = """
import json
from vg_grader import sandbox
try:
    level, reason = sandbox.probe()
except sandbox.StudentProcessError as error:
    level, reason = "", str(error)
print(json.dumps({"level": level, "reason": reason}))
"""
STRONGER = ("For a stronger level, grade as root (the user level: a user id of its own per notebook) on a Linux "
            "machine that allows namespaces (the namespace level: e.g. not inside a container that forbids "
            "unshare), or where unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1 "
            "or user.max_user_namespaces > 0).")


def git_folders(repo):
    """The checkout's git folders: .git, or for a worktree its own folder and the shared one."""
    dot_git = repo / ".git"
    if dot_git.is_dir():
        return [dot_git]
    try:
        line = dot_git.read_text().strip()
    except OSError:
        return []
    if not line.startswith("gitdir:"):
        return []
    own = (repo / line[len("gitdir:"):].strip()).resolve()
    folders = [own]
    try:
        folders.append((own / (own / "commondir").read_text().strip()).resolve())
    except OSError:
        pass
    return folders


def secret_folders(repo, bundle, submissions, out):
    """What the student must not read where isolation relies on file modes: the whole checkout and its git
    folders (reference solutions, hidden tests, templates, history), the bundle's folder, every submission
    and every result."""
    return [repo, *git_folders(repo), bundle.resolve().parent, submissions.resolve(), out.resolve()]


def probe(source, environment):
    completed = subprocess.run([sys.executable, "-c", PROBE], cwd=source, env=environment, capture_output=True,
                               text=True, check=False, timeout=120)
    try:
        return json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"level": "", "reason": (completed.stderr.strip().splitlines() or ["the probe failed"])[-1]}


def run_batch(command, source, environment):
    """The batch's exit status. It runs in a process group of its own, killed whole if we leave early
    (an exception, Ctrl-C, SIGTERM), so that no grader still reads the folders being removed."""
    batch = subprocess.Popen(command, cwd=source, env=environment, start_new_session=True)
    try:
        return batch.wait()
    finally:
        if batch.returncode is None:
            os.killpg(batch.pid, signal.SIGKILL)
            batch.wait()


def leave_on_signal(number, _frame):
    """SIGTERM and SIGHUP end `make grade` like Ctrl-C does: through every `finally`, removing its folders."""
    raise SystemExit(128 + number)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vg_build.grade_local", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=pathlib.Path, required=True)
    parser.add_argument("--submissions", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--isolation", choices=LEVELS + ("",), default="",
                        help="the strongest level to use (default: the strongest this machine allows)")
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.exit(f"No bundle at {args.bundle}: run `make` first.")
    args.out.mkdir(parents=True, exist_ok=True)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, leave_on_signal)
    with tempfile.TemporaryDirectory(prefix="vg-bundle-") as source, \
            tempfile.TemporaryDirectory(prefix="vg-intake-") as staging:
        staged = intake.stage(args.submissions, staging, exclude=[args.out])
        if not staged.submissions and not staged.not_graded:
            sys.exit(f"Nothing to grade in {args.submissions}: give notebooks (.ipynb), grader.export() zips "
                     "or a Gradescope export (a folder or zip with submission_metadata.yml).")
        with zipfile.ZipFile(args.bundle) as bundle:
            bundle.extractall(source)
        os.chmod(source, 0o700)  # hidden tests stay unreadable to the student process
        environment = {key: value for key, value in os.environ.items()
                       if key not in ("PYTHONPATH", "VG_GRADER_ISOLATION")}
        if args.isolation:
            environment["VG_GRADER_ISOLATION"] = args.isolation
        # Where isolation can only rely on file modes (the user level), these are made private while
        # notebooks run, and their modes restored afterwards.
        secrets = secret_folders(REPO, args.bundle, intake.source_folder(args.submissions), args.out)
        environment["VG_GRADER_SECRETS"] = os.pathsep.join(str(folder) for folder in secrets)
        found = probe(source, environment)
        if not found["level"]:
            if args.isolation != "process" and os.geteuid() != 0:
                sys.exit("Refusing to grade: no isolation level that keeps the hidden tests and reference secret "
                         f"works here ({found['reason']}). The `process` level would run every notebook as you, "
                         "able to read and change anything you can, including the reference solutions: use it "
                         f"only for trusted notebooks, with `make grade ISOLATION=process`. {STRONGER}")
            sys.exit(f"Refusing to grade: {found['reason']}.")
        print(f"Isolation level: {found['level']}" + (f" (stronger levels not available: {found['reason']})"
                                                      if found["reason"] else ""), flush=True)
        if found["level"] == "process":
            print("WARNING: the process level runs every notebook as your own user: it can read the reference "
                  "solutions and hidden tests and change your files. " + STRONGER, flush=True)
        command = [
            sys.executable, "-m", "vg_grader", "batch", "--source", source,
            "--submissions", str(staged.folder), "--roster", str(staged.roster), "--out", str(args.out.resolve()),
            "--jobs", str(args.jobs),
        ]
        sys.exit(run_batch(command, source, environment))


if __name__ == "__main__":
    main()
