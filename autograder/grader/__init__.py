"""Isolated grader for Otter exception-format tests; writes Gradescope results.

Runs on Python 3.10+ with numpy only: this package is shipped in the Gradescope bundle.
`command` is its command line for one submission (as run_autograder runs it); `server_command` starts a
server that grades submission after submission, each in a process of its own (server.py): `make grade`'s.
"""

import sys


def command(source, submission, results, python=sys.executable):
    """argv that grades `submission` with the unpacked bundle at `source` into the results file.

    Run it with `source` as the working folder, so that the bundle's own grader is the one imported.
    """
    return [str(python), "-m", "grader", "grade", "--source", str(source), "--submission", str(submission),
            "--results", str(results)]


def server_command(source, python=sys.executable):
    """argv of a grading server for the unpacked bundle at `source` (run it there, as `command`)."""
    return [str(python), "-m", "grader", "serve", "--source", str(source)]
