"""Command line of the grader; Gradescope's run_autograder and `make grade` call it per submission.

    python -m grader grade --source DIR --submission PATH --results FILE

DIR is an unpacked autograder bundle: config.json, tests/, the reference module. The results
file is always written, and valid, even when the grader itself fails.
"""

import argparse
import json
import pathlib
import time
import traceback

from . import files, results, submission
from .sandbox import Limits, StudentProcess, StudentProcessError  # no numpy yet


def load_config(source_dir):
    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def start_student(config, source_dir, submission_path):
    """The submission's student process, started before this grader imports numpy, the test files and
    the reference (the two processes then load at once); None where it cannot start (the grading then
    tries again and says why)."""
    try:
        return StudentProcess(config["limits"], submission.private_folders(source_dir, submission_path))
    except (StudentProcessError, OSError):
        return None


def grade_one(source_dir, submission_path, results_path):
    started = time.monotonic()
    student = None
    try:
        config = load_config(source_dir)
        student = start_student(config, source_dir, submission_path)
        from . import grading

        data = grading.grade(submission_path, source_dir, config, started=started, student=student)
        files.write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        files.write_json(results_path, data)
    finally:
        if student is not None:
            student.kill()  # already done by the grading, unless the grader itself failed
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
