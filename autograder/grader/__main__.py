"""Command line of the grader; Gradescope's run_autograder calls it per submission, `make grade` per job.

    python -m grader grade --source DIR --submission PATH --results FILE
    python -m grader serve --source DIR        (server.py: grades the submissions asked for on stdin)

DIR is an unpacked autograder bundle: config.json, tests/, the reference module. The results
file is always written, and valid, even when the grader itself fails.
"""

import argparse
import os
import pathlib
import sys

from .sandbox.levels import ONE_BLAS_THREAD

os.environ.update(ONE_BLAS_THREAD)  # before this grader loads numpy (grading, test files, the reference)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (file or Gradescope folder)")
    one.add_argument("--source", type=pathlib.Path, required=True)
    one.add_argument("--submission", type=pathlib.Path, required=True)
    one.add_argument("--results", type=pathlib.Path, required=True)
    serve = commands.add_parser("serve", help="grade the submissions asked for on stdin, each in a forked process")
    serve.add_argument("--source", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "serve":
        from . import server

        server.serve(args.source.resolve())
        sys.stdout.flush()
        os._exit(0)  # nothing left to do: tearing down numpy and the test files would only delay whoever waits
    else:
        from . import pipeline

        pipeline.grade_one(args.source.resolve(), args.submission, args.results)


if __name__ == "__main__":
    main()
