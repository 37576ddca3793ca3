"""`make grade`: grade a folder of submissions with an assignment's built Gradescope bundle.

    python -m classroom --submissions PATH --out DIR [--assignment NAME] [--dist DIR] [--jobs N]
                        [--isolation LEVEL]

The submissions (notebooks, grader.export() zips, Gradescope exports: classroom.intake) are
staged with their roster. The assignment is the one named, or the only one built, or the one
the submissions' file names name (`<assignment>.ipynb`, `<assignment>_<date>.zip`) when they
name exactly one; submissions whose names name another assignment are not graded, and those
naming none are listed. Its bundle is unpacked into a private temporary folder, and its own
grader runs from there (classroom.batch), as run_autograder runs it on Gradescope. The first
grading learns the isolation level this machine gives, as a grader on Gradescope does (where it
cannot tell, one probe process does), once for the run: every later grader then starts at that
level, without trying again the stronger ones that failed. That first grading's results wait in a
private folder until its level is allowed, and never reach OUT if it is not. A level weaker than
the strongest is announced with the reason, and the `process` level (the student runs as the
instructor's own user, nothing is secret from it) is refused unless asked for with
`make grade ISOLATION=process`.

Nothing stays in the temporary folder on any exit: the bundle (hidden tests, reference) and the
staged submissions live in temporary folders removed on the way out, after every grader process
is killed (classroom.servers), also when `make grade` is interrupted or terminated.
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

from grader.sandbox import ISOLATION_VARIABLE, PROBED_VARIABLE

from . import servers

REPO = pathlib.Path(__file__).resolve().parents[2]

LEVELS = ("namespace", "user", "process")
PROBE = """
import json
from grader import sandbox
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


def secret_folders(repo, bundles, submissions, out):
    """What the student must not read where isolation relies on file modes: the whole checkout and its git
    folders (reference solutions, hidden tests, templates, history), the bundles' folder, every submission
    (SUBMISSIONS, or the folder of its zip) and every result."""
    submissions = submissions.resolve()
    submissions = submissions if submissions.is_dir() else submissions.parent
    return [repo, *git_folders(repo), bundles.resolve(), submissions, out.resolve()]


def graders_environment(args):
    """The grading servers' environment: this one's, the isolation level asked for, the secrets to hide."""
    # Without PYTHONDONTWRITEBYTECODE, the graders write the bundle's bytecode as they import it, as the
    # bundle's setup.sh has it compiled for a grading image: only the first graders compile it.
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", ISOLATION_VARIABLE, PROBED_VARIABLE)}
    if args.isolation:
        environment[ISOLATION_VARIABLE] = args.isolation
    # Where isolation can only rely on file modes (the user level), these are made private while
    # notebooks run, and their modes restored afterwards.
    secrets = secret_folders(REPO, pathlib.Path(args.dist) / "autograder", args.submissions, args.out)
    environment["VG_GRADER_SECRETS"] = os.pathsep.join(str(folder) for folder in secrets)
    return environment


def unpack(bundle, source):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(source)
    os.chmod(source, 0o700)  # hidden tests stay unreadable to the student process


def probe(source, environment):
    """The isolation level this run can use ({"level", "reason"}), found by one probe process."""
    process = subprocess.Popen([sys.executable, "-c", PROBE], cwd=source, env=environment, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"level": "", "reason": (stderr.strip().splitlines() or ["the probe failed"])[-1]}


def isolation(source, graders):
    """The isolation level this run can use ({"level", "reason"}): the one its first grading (the head start)
    found and used, or, where that cannot tell (nothing to grade, a notebook that could not be read or whose
    process could not start), the one a probe process finds."""
    data = graders.head_start_results()
    extra = data.get("extra_data") if isinstance(data, dict) else None
    if isinstance(extra, dict) and extra.get("isolation_level") in LEVELS:
        return {"level": extra["isolation_level"], "reason": str(extra.get("isolation_weaker_because") or "")}
    return probe(source, graders.environment)


BUNDLE_SUFFIX = "-autograder.zip"


def bundle_path(dist, name):
    return pathlib.Path(dist) / "autograder" / f"{name}{BUNDLE_SUFFIX}"


def built_assignments(dist):
    """The assignments `make` built into dist: one bundle each, dist/autograder/<name>-autograder.zip."""
    return sorted(path.name.removesuffix(BUNDLE_SUFFIX) for path in (pathlib.Path(dist) / "autograder").glob(
        f"*{BUNDLE_SUFFIX}"))


def named_assignment(entry, names):
    """The assignment an input's file name names (`<name>.ipynb`, `<name>_<date>.zip`), or ''."""
    stem = pathlib.PurePosixPath(entry["input"]).name.rsplit(".", 1)[0]
    named = [name for name in names if stem == name or stem.startswith(f"{name}_")]
    return max(named, key=len, default="")


def choose_assignment(asked, built, staged):
    """(assignment, lines to print): the one asked for, the only one built, or the one the names name.

    Submissions whose names name another assignment move to staged.not_graded.
    """
    if asked and asked not in built:
        sys.exit(f"No bundle for ASSIGNMENT={asked}: build it with `make ASSIGNMENT={asked}` "
                 f"(built: {', '.join(built) or 'none'}).")
    by_name = {}
    for entry in staged.submissions:
        by_name.setdefault(named_assignment(entry, built), []).append(entry)
    unnamed = [entry["input"] for entry in by_name.pop("", [])]
    if asked:
        chosen = asked
    elif len(built) == 1:
        chosen = built[0]
    elif len(by_name) == 1:
        chosen = next(iter(by_name))
    else:
        groups = "; ".join(f"{name}: {len(entries)}" for name, entries in sorted(by_name.items()))
        sys.exit("Cannot tell which assignment to grade: " + (f"the file names name several ({groups})"
                 if by_name else "no file name names one") + f". Built: {', '.join(built) or 'none'}. "
                 "Name it with `make grade ASSIGNMENT=<name> SUBMISSIONS=...`.")
    others = [entry for name, entries in by_name.items() if name != chosen for entry in entries]
    for entry in others:
        staged.submissions.remove(entry)
        staged.not_graded.append({"input": entry["input"], "reason": (
            f"its name says it is for the assignment {named_assignment(entry, built)}, not {chosen}: grade it "
            f"with ASSIGNMENT={named_assignment(entry, built)}")})
    lines = [f"Assignment: {chosen}" + ("" if asked else " (the only one built)" if len(built) == 1
                                        else " (named by the submissions' file names)")]
    if unnamed and len(built) > 1:
        lines.append(f"Belong to no assignment by their names, graded as {chosen} ({len(unnamed)}): "
                     + ", ".join(unnamed[:20]) + (" ..." if len(unnamed) > 20 else ""))
    return chosen, lines


def leave_on_signal(number, _frame):
    """SIGTERM and SIGHUP end `make grade` like Ctrl-C does: through every `finally`, removing its folders."""
    raise SystemExit(128 + number)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--assignment", default="", help="default: the only one built, or the one the names name")
    parser.add_argument("--dist", type=pathlib.Path, default=REPO / "dist", help="where `make` put the bundles")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--isolation", choices=LEVELS + ("",), default="",
                        help="the strongest level to use (default: the strongest this machine allows)")
    args = parser.parse_args(argv)
    built = built_assignments(args.dist)
    if not built:
        sys.exit(f"No bundle in {args.dist / 'autograder'}: run `make` first.")
    args.out.mkdir(parents=True, exist_ok=True)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, leave_on_signal)
    # Where the assignment is known before staging (asked for, or the only one built), its first grading
    # server starts at once: it loads the grader while this process loads the rest and stages the submissions.
    known = args.assignment if args.assignment in built else built[0] if len(built) == 1 else ""
    with tempfile.TemporaryDirectory(prefix="vg-bundle-") as source, \
            tempfile.TemporaryDirectory(prefix="vg-intake-") as staging, \
            servers.Graders(pathlib.Path(source), graders_environment(args)) as graders:
        if known:
            unpack(bundle_path(args.dist, known), source)
            graders.warm_up()
        from . import batch, intake  # noqa: E402 - after the first server started (see above)

        staged = intake.stage(args.submissions, staging, exclude=[args.out])
        if not staged.submissions and not staged.not_graded:
            sys.exit(f"Nothing to grade in {args.submissions}: give notebooks (.ipynb), grader.export() zips "
                     "or a Gradescope export (a folder or zip with submission_metadata.yml).")
        assignment, lines = choose_assignment(args.assignment, built, staged)
        print("\n".join(lines), flush=True)
        if not known:
            unpack(bundle_path(args.dist, assignment), source)
        # The first grading finds the isolation level itself, as a grader on Gradescope does: never a weaker
        # one than allowed. Its results stay in a private folder until the level it found is allowed (and go
        # with that folder if it is not). Meanwhile this process gets the pages ready.
        batch.head_start(pathlib.Path(source), staged, graders)
        batch.prepare_pages()
        grade(args, source, staged, isolation(source, graders), graders)


def grade(args, source, staged, found, graders):
    """Grade at the level found, or refuse to, saying why."""
    from . import batch

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
    # Every later grader starts at the level found, and gives the reason found for not using a stronger one.
    graders.updates = {ISOLATION_VARIABLE: found["level"], PROBED_VARIABLE: found["reason"]}
    batch.batch(pathlib.Path(source), staged, args.out, max(1, args.jobs), graders=graders)


if __name__ == "__main__":
    main()
