"""`make grade`'s graders: grading servers (grader/server.py) that fork one grading process per submission.

Every grading process must give exactly what `python -m grader grade` gives on the same submission, whatever
was graded before it in the same server, and the batch must survive graders and servers that die.
"""

import json
import os
import shutil
import signal
import subprocess
import threading
import time

import nbformat
import pytest

import grader
from classroom import batch, intake, servers

from ..conftest import IMPLEMENTATIONS, with_cell_replaced

TIMING_KEYS = {"execution_time"}


def without_timings(value):
    """The results with every timing (which differs between any two runs) taken out."""
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if key not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def graded_alone(source, notebook, folder):
    """Results of `python -m grader grade` on notebook, as run_autograder runs it."""
    results = folder / f"{notebook.stem}-alone.json"
    subprocess.run(grader.command(source, notebook, results), cwd=source, capture_output=True, check=True,
                   timeout=120)
    return json.loads(results.read_text())


@pytest.fixture
def graders(fast_source):
    graders = servers.Graders(fast_source)
    yield graders
    graders.close()
    assert not graders.logs.exists()


@pytest.fixture
def notebooks(solution_notebook, tmp_path):
    """The solution and three bank entries (a correct alternative and wrong ones), as files."""
    chosen = [path for path in IMPLEMENTATIONS if path.parent.name in ("prod", "clip_gradients")][:3]
    paths = [tmp_path / "solution.ipynb"]
    nbformat.write(solution_notebook, paths[0])
    for path in chosen:
        paths.append(tmp_path / f"{path.parent.name}__{path.stem}.ipynb")
        nbformat.write(with_cell_replaced(solution_notebook, path.parent.name, path.read_text()), paths[-1])
    return paths


def test_a_served_grading_gives_what_grader_grade_gives(fast_source, graders, notebooks, tmp_path):
    """Does each submission, graded one after another by one server, get exactly the results `python -m grader
    grade` gives it alone, so that nothing one grading leaves (verdicts reused, caches) reaches the next?"""
    order = notebooks[1:] + notebooks[:1] + notebooks[1:]  # the solution between the others, each graded twice
    for index, notebook in enumerate(order):
        results = tmp_path / f"served-{index}.json"
        status, stderr = graders.grade(notebook, results, timeout=120)
        assert status == 0, stderr.decode(errors="replace")
        assert b"grader: isolation level" in stderr  # the grading process's own stderr, in its log
        assert without_timings(json.loads(results.read_text())) == without_timings(
            graded_alone(fast_source, notebook, tmp_path)), notebook.name
    assert len(graders.idle) == 1  # one server did it all


def test_a_grading_past_its_time_is_killed_and_the_server_goes_on(graders, notebooks, tmp_path):
    """Is a grading that overruns its timeout killed (TimeoutExpired), with no process of it left, while the
    same server goes on to grade the next submission to full marks?"""
    with pytest.raises(subprocess.TimeoutExpired):
        graders.grade(notebooks[0], tmp_path / "late.json", timeout=0.2)
    assert not (tmp_path / "late.json").exists()
    server = graders.idle[0]
    status, _ = graders.grade(notebooks[0], tmp_path / "next.json", timeout=120)
    assert status == 0 and graders.idle == [server]
    results = json.loads((tmp_path / "next.json").read_text())
    assert results["score"] == sum(test["max_score"] for test in results["tests"])


def test_a_server_that_died_is_replaced(graders, notebooks, tmp_path):
    """Is a server that died between two submissions replaced, the next submission graded as usual?"""
    graders.grade(notebooks[0], tmp_path / "first.json", timeout=120)
    dead = graders.idle[0]
    os.killpg(dead.process.pid, signal.SIGKILL)
    dead.process.wait()
    status, stderr = graders.grade(notebooks[0], tmp_path / "second.json", timeout=120)
    assert status == 0, stderr
    assert graders.idle and graders.idle[0] is not dead
    results = json.loads((tmp_path / "second.json").read_text())
    assert results["score"] == sum(test["max_score"] for test in results["tests"])  # the solution: full marks


def test_stop_interrupts_the_gradings_and_ends_the_servers(graders, solution_notebook, tmp_path):
    """Does stop() interrupt a running grading (which removes its sandbox on the way out), leave no grading
    process and no server behind, and start no grading after it?"""
    slow = tmp_path / "slow.ipynb"
    notebook = nbformat.from_dict(json.loads(json.dumps(solution_notebook)))
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))
    nbformat.write(notebook, slow)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(run=graders.grade(slow, tmp_path / "slow.json", 120)))
    thread.start()
    deadline = time.monotonic() + 60
    while not graders.running and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid,) = graders.running
    time.sleep(0.5)  # the notebook is running
    graders.stop()
    thread.join(timeout=60)
    status, stderr = outcome["run"]
    assert status != 0 and b"KeyboardInterrupt" in stderr
    assert not alive(pid)
    assert graders.grade(slow, tmp_path / "again.json", 120)[0] == -signal.SIGKILL
    assert graders.idle == [] and not graders.running


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_bundle_whose_grader_cannot_start_fails_each_submission_with_the_reason(fast_source, student_notebook,
                                                                                 tmp_path, capsys):
    """Where the bundle's grader cannot even load (here a test file that is not Python), is every submission
    still given a valid results file, and listed as not graded with the server's last words as the reason?"""
    broken = tmp_path / "broken-bundle"
    shutil.copytree(fast_source, broken)
    shutil.rmtree(broken / "tests" / "__pycache__", ignore_errors=True)
    next((broken / "tests").glob("*.py")).write_text("this is not Python (\n")
    folder = tmp_path / "submissions"
    folder.mkdir()
    for stem in ("ann", "ben", "cat"):
        nbformat.write(student_notebook, folder / f"{stem}.ipynb")
    out = tmp_path / "out"
    batch.batch(broken, intake.stage(folder, tmp_path / "stage"), out, 2)
    printed = capsys.readouterr().out
    for stem in ("ann", "ben", "cat"):
        data = json.loads((out / f"{stem}.json").read_text())
        assert data["score"] == 0 and data["extra_data"]["grader_failed"]
        assert f"{stem}.ipynb: NOT GRADED (the grader failed on it: SyntaxError: " in printed, printed


def test_a_head_start_goes_to_whoever_asks_for_its_submission(fast_source, graders, notebooks, tmp_path):
    """Does a grading started ahead (Graders.head_start) give the grade() that asks for its submission exactly
    what `python -m grader grade` gives, moved to where that grade() wants it, while another submission asked
    for meanwhile is graded as usual, and nothing of it stays among the logs?"""
    first, other = notebooks[0], notebooks[1]
    graders.head_start(first, timeout=120)
    assert graders.grade(other, tmp_path / "other.json", timeout=120)[0] == 0  # not the head start's
    ahead = graders.head_start_results()
    status, stderr = graders.grade(first, tmp_path / "first.json", timeout=120)
    assert status == 0 and b"grader: isolation level" in stderr
    alone = without_timings(graded_alone(fast_source, first, tmp_path))
    assert without_timings(json.loads((tmp_path / "first.json").read_text())) == without_timings(ahead) == alone
    assert without_timings(json.loads((tmp_path / "other.json").read_text())) == without_timings(
        graded_alone(fast_source, other, tmp_path))
    assert graders.head_start_results() is None and not list(graders.logs.glob("head-start*"))


def test_a_head_start_nobody_asks_for_is_stopped_and_leaves_nothing(graders, solution_notebook, tmp_path):
    """When nobody asks for a head start (make grade refused the level), does close() stop it while it runs,
    leaving no process and no results behind?"""
    slow = tmp_path / "slow.ipynb"
    notebook = nbformat.from_dict(json.loads(json.dumps(solution_notebook)))
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))
    nbformat.write(notebook, slow)
    graders.head_start(slow, timeout=120)
    deadline = time.monotonic() + 60
    while not graders.running and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid,) = graders.running
    started = time.monotonic()
    graders.close()
    assert time.monotonic() - started < 30 and not alive(pid)
    assert not graders.logs.exists() and graders.head_start_results() is None
