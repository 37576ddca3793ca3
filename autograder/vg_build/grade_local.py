"""`make grade`: grade a folder of submissions with the built Gradescope bundle.

The submissions (notebooks, grader.export() zips, Gradescope exports: vg_build.intake) are
staged with their roster, the bundle is unpacked into a private temporary folder, and its
own grader runs from there, exactly as run_autograder runs it on Gradescope. Before grading,
the batch starts one student process to learn the isolation level this machine gives, once
for the run (every grader then starts there): a level weaker than the strongest is announced
with the reason, grading is refused where no level can run a notebook, and the `process`
level (the student runs as the instructor's own user, nothing is secret from it) is used only
when asked for with `make grade ISOLATION=process`, with a warning.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

from . import intake
from .config import REPO

LEVELS = ("namespace", "user", "process")
NO_ISOLATION = 3  # the exit status of vg_grader's batch when no isolation level can run a notebook here
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
        if args.isolation == "process":
            print("WARNING: the process level runs every notebook as your own user: it can read the reference "
                  "solutions and hidden tests and change your files. " + STRONGER, flush=True)
        command = [
            sys.executable, "-m", "vg_grader", "batch", "--source", source,
            "--submissions", str(staged.folder), "--roster", str(staged.roster), "--out", str(args.out.resolve()),
            "--jobs", str(args.jobs),
        ]
        code = subprocess.run(command, cwd=source, env=environment, check=False).returncode
        if code == NO_ISOLATION:  # the batch said why, and graded nothing
            if args.isolation != "process" and os.geteuid() != 0:
                sys.exit("Refusing to grade: no isolation level that keeps the hidden tests and reference secret "
                         "works here (see above). The `process` level would run every notebook as you, able to "
                         "read and change anything you can, including the reference solutions: use it only for "
                         f"trusted notebooks, with `make grade ISOLATION=process`. {STRONGER}")
            sys.exit("Refusing to grade: no isolation level can run the notebooks here (see above).")
        sys.exit(code)


if __name__ == "__main__":
    main()
