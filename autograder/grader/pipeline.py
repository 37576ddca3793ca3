"""One submission through the whole grader: its notebook started early, the grading, the results file.

`python -m grader grade` runs grade_one once; `python -m grader serve` (server.py) runs it in a forked
process per submission, with the config and the test files it loaded beforehand.
"""

import json
import time
import traceback

from . import files, results, submission
from .sandbox import Limits, StudentProcess, StudentProcessError  # no numpy yet


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


def grade_one(source_dir, submission_path, results_path, prepared=None):
    """Grade one submission into results_path (always written, valid). prepared: (config, test files) as
    server.preload loaded them, or None to load them here."""
    started = time.monotonic()
    notebook = None
    try:
        config, test_files = prepared if prepared else (load_config(source_dir), None)
        notebook = start_notebook(config, source_dir, submission_path)
        from . import grading
        from .session import EarlyStart

        early = EarlyStart(*notebook) if notebook else None
        data = grading.grade(submission_path, source_dir, config, started=started, early=early,
                             test_files=test_files)
        files.write_json(results_path, data)
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = results.grader_failure(time.monotonic() - started)
        files.write_json(results_path, data)
    finally:
        if notebook is not None:
            notebook[0].kill()  # already done by the grading, unless the grader itself failed
    return data
