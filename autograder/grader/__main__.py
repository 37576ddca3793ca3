"""Command line of the grader; Gradescope's run_autograder and `make grade` call it per submission.

    python -m grader grade --source DIR --submission PATH --results FILE

DIR is an unpacked autograder bundle: config.json, tests/, the reference module. The results
file is always written, and valid, even when the grader itself fails.
"""

import argparse
import json
import os
import pathlib
import time
import traceback

from . import files, results, submission
from .sandbox import Limits, StudentProcess, StudentProcessError  # no numpy yet
from .sandbox.levels import ONE_BLAS_THREAD

os.environ.update(ONE_BLAS_THREAD)  # before this grader loads numpy (grading, test files, the reference)


def load_config(source_dir):
    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def start_notebook(config, source_dir, submission_path):
    """(student process, cells, when sent): the submission's notebook, started in its student process before
    this grader imports numpy, the test files and the reference, so that it runs while they load. None where
    the notebook cannot be read or its process cannot start (the grading then tries again and says why)."""
    try:
        cells = submission.read_cells(submission_path, config["notebook"])
    except submission.SubmissionError:
        return None
    try:
        student = StudentProcess(config["limits"], submission.private_folders(source_dir, submission_path))
    except (StudentProcessError, OSError):
        return None
    sent = time.monotonic()
    try:
        student.send_cells(cells, [], sent + config["limits"].notebook_seconds)
    except StudentProcessError:
        student.kill()
        return None
    return student, cells, sent


def grade_one(source_dir, submission_path, results_path):
    started = time.monotonic()
    notebook = None
    try:
        config = load_config(source_dir)
        notebook = start_notebook(config, source_dir, submission_path)
        from . import grading
        from .session import EarlyStart

        early = EarlyStart(*notebook) if notebook else None
        data = grading.grade(submission_path, source_dir, config, started=started, early=early)
        files.write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        files.write_json(results_path, data)
    finally:
        if notebook is not None:
            notebook[0].kill()  # already done by the grading, unless the grader itself failed
    return data


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (file or Gradescope folder)")
    one.add_argument("--source", type=pathlib.Path, required=True)
    one.add_argument("--submission", type=pathlib.Path, required=True)
    one.add_argument("--results", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    grade_one(args.source.resolve(), args.submission, args.results)


if __name__ == "__main__":
    main()
