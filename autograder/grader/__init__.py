"""Isolated grader for Otter exception-format tests; writes Gradescope results.

Runs on Python 3.10+ with numpy only: this package is shipped in the Gradescope bundle.
`command` is its command line for one submission, the one every caller uses.
"""

import sys


def command(source, submission, results, python=sys.executable):
    """argv that grades `submission` with the unpacked bundle at `source` into the results file.

    Run it with `source` as the working folder, so that the bundle's own grader is the one imported.
    """
    return [str(python), "-m", "grader", "grade", "--source", str(source), "--submission", str(submission),
            "--results", str(results)]
