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

from . import files, results


def load_config(source_dir):
    from .sandbox import Limits  # only grading needs it (and numpy)

    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def grade_one(source_dir, submission, results_path):
    from . import grading

    started = time.monotonic()
    try:
        data = grading.grade(submission, source_dir, load_config(source_dir))
        files.write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        files.write_json(results_path, data)
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
