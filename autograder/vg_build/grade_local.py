"""`make grade`: grade a folder of submissions with the built Gradescope bundle.

The submissions (notebooks, grader.export() zips, Gradescope exports: vg_build.intake) are
staged with their roster, the bundle is unpacked into a private temporary folder, and its
own grader runs from there, exactly as run_autograder runs it on Gradescope.
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vg_build.grade_local", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=pathlib.Path, required=True)
    parser.add_argument("--submissions", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.exit(f"No bundle at {args.bundle}: run `make` first.")
    with tempfile.TemporaryDirectory(prefix="vg-bundle-") as source, \
            tempfile.TemporaryDirectory(prefix="vg-intake-") as staging:
        staged = intake.stage(args.submissions, staging, exclude=[args.out])
        if not staged.submissions and not staged.not_graded:
            sys.exit(f"Nothing to grade in {args.submissions}: give notebooks (.ipynb), grader.export() zips "
                     "or a Gradescope export (a folder or zip with submission_metadata.yml).")
        with zipfile.ZipFile(args.bundle) as bundle:
            bundle.extractall(source)
        os.chmod(source, 0o700)  # hidden tests stay unreadable to the student process
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        # Where isolation can only rely on file permissions, the instructor's checkout is
        # secret too: reference solutions, built solutions and hidden test sources.
        secret_folders = [REPO / "solutions", REPO / "dist", REPO / "autograder" / "tests"]
        secret_folders.append(args.bundle.resolve().parent)
        secret_folders.append(intake.source_folder(args.submissions))  # the originals, not only their staged copies
        environment["VG_GRADER_SECRETS"] = os.pathsep.join(str(folder) for folder in secret_folders)
        command = [
            sys.executable, "-m", "vg_grader", "batch", "--source", source,
            "--submissions", str(staged.folder), "--roster", str(staged.roster), "--out", str(args.out.resolve()),
            "--jobs", str(args.jobs),
        ]
        sys.exit(subprocess.run(command, cwd=source, env=environment, check=False).returncode)


if __name__ == "__main__":
    main()
