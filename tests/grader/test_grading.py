"""End-to-end grading through the bundle, as `make grade` and Gradescope run it."""

import pytest

from ..conftest import BANK, IMPLEMENTATIONS, QUESTION_OF, question_scores


def test_solution_gets_full_marks(bank_results, question_points):
    """Does the solution notebook score every auto-graded point?"""
    results = bank_results["solution"]
    assert question_scores(results) == question_points
    assert results["score"] == sum(question_points.values())


def test_blank_release_scores_zero(grade, student_notebook, question_points):
    """Does the blank student notebook score 0 everywhere, with a message and no crash?"""
    results = grade({"blank": student_notebook})["blank"]
    assert results["score"] == 0
    assert set(question_scores(results)) == set(question_points)
    assert all(score == 0 for score in question_scores(results).values())
    assert results["visibility"] == "visible" and "not implemented yet" in results["output"]


WRONG = [p for p in IMPLEMENTATIONS if p.stem.startswith("wrong_")]
CORRECT = [p for p in IMPLEMENTATIONS if p.stem.startswith("correct_")]


def bank_id(path):
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", WRONG, ids=bank_id)
def test_wrong_implementation_loses_points(bank_results, question_points, path):
    """Does each realistic wrong implementation lose points on its question?"""
    function = path.parent.name
    question = QUESTION_OF[function]
    results = bank_results[f"{function}__{path.stem}"]
    assert question_scores(results)[question] < question_points[question], results["tests"]


@pytest.mark.parametrize("path", CORRECT, ids=bank_id)
def test_alternative_correct_implementation_gets_full_marks(bank_results, question_points, path):
    """Does each alternative correct implementation earn every point of its question?"""
    function = path.parent.name
    results = bank_results[f"{function}__{path.stem}"]
    failures = [t["output"] for t in results["tests"] if t["status"] == "failed"]
    assert question_scores(results) == question_points, failures


def test_bank_is_large_enough():
    """Does the bank hold at least 8 wrong and 3 correct implementations per function?"""
    for function in ("sigmoid_gradient", "prod", "clip_gradients"):
        stems = [p.stem for p in (BANK / function).glob("*.py")]
        assert sum(s.startswith("wrong_") for s in stems) >= 8
        assert sum(s.startswith("correct_") for s in stems) >= 3


def test_hidden_feedback_is_published_later_and_terse(bank_results):
    """Do hidden checks show only after publication (one test per question, after_published),
    as pass/fail and points, with no inputs, messages or source, and never in the visible output?"""
    results = bank_results["prod__wrong_transposed_jacobian"]
    prod = next(t for t in results["tests"] if t["name"] == "prod")
    assert prod["visibility"] == "after_published"
    hidden_rows = [line for line in prod["output"].splitlines() if "| Hidden check " in line]
    assert hidden_rows and all(line.count("|") == 4 for line in hidden_rows)  # mark, name, points only
    for text in [results["output"]] + [t["output"] for t in results["tests"]]:
        assert "vanishing_gradients_reference" not in text and "def " not in text
    assert "Hidden check 1" not in results["output"]


def test_public_failure_teaches(bank_results):
    """Does a public failure, visible at once, say what was expected, what came back, and name the mistake?"""
    results = bank_results["prod__wrong_transposed_jacobian"]
    assert results["visibility"] == "visible"
    public = results["output"].split("2. prod:")[1].split("\n### ")[0]
    assert "Expected" in public and "Got" in public
    assert "transpose" in public


def test_grading_seed_needs_the_bundle_secret(tmp_path):
    """Is the grading seed reproducible for one bundle and notebook, yet different with another secret or
    other hidden tests, and never the plain hash of the cells the notebook could compute itself?"""
    import hashlib

    from grader import seed

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "prod.py").write_text("hidden = 1\n")
    cells = ["x = 1", "def f():\n    return 2"]
    key = seed.bundle_key(tmp_path)
    assert seed.submission_seed(key, cells) == seed.submission_seed(seed.bundle_key(tmp_path), list(cells))
    assert seed.submission_seed(key, cells) != seed.submission_seed(key, cells[:1])
    assert seed.submission_seed(key, ["x = 1def f():\n    return 2"]) != seed.submission_seed(key, cells)
    (tmp_path / seed.SECRET_FILE).write_bytes(b"\x01" * 32)
    with_secret = seed.bundle_key(tmp_path)
    (tmp_path / seed.SECRET_FILE).write_bytes(b"\x02" * 32)
    assert len({key, with_secret, seed.bundle_key(tmp_path)}) == 3
    (tmp_path / "tests" / "prod.py").write_text("hidden = 2\n")
    assert seed.bundle_key(tmp_path) not in (key, with_secret)
    plain = int.from_bytes(hashlib.sha256("\0".join(cells).encode()).digest()[:8], "big")
    assert plain != seed.submission_seed(key, cells)


def test_setup_makes_the_secret_the_grader_reads(bundle):
    """Does the bundle's setup.sh create, readable by root only, the secret file the seed is derived from?"""
    import zipfile

    from grader import seed

    with zipfile.ZipFile(bundle) as archive:
        setup = archive.read("setup.sh").decode()
        names = archive.namelist()
    assert f"umask 077 && head -c 32 /dev/urandom > {seed.SECRET_FILE}" in setup
    assert seed.SECRET_FILE not in names  # made where the bundle is installed: builds stay byte-identical


def test_generic_verdict_is_reused_by_the_edge_cases(bundle, tmp_path, question_points):
    """Does every question wrap its generic check so that it runs once per function and options, each later
    call getting the same verdict (the pass, or the same failure again), as edge and policy cases need it?"""
    import zipfile

    from grader import otter_tests

    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    for question in question_points:
        namespace = otter_tests.load(tmp_path / "tests" / f"{question}.py").cases[0].function.__globals__
        once = namespace["_verdict_once"]
        wrapped = [name for name, value in namespace.items() if name.startswith("_hidden")
                   and getattr(value, "__code__", None) is once(lambda function: None).__code__]
        assert wrapped, f"{question}: no generic check reuses its verdict"
    runs = []

    def check(function, rtol=1e-9):
        runs.append((function, rtol))
        if function is wrong:
            raise AssertionError(f"wrong values {len(runs)}")

    right, wrong = object(), object()
    checked = once(check)
    for _ in range(3):
        checked(right)
        checked(right, rtol=1e-6)
        with pytest.raises(AssertionError, match="^wrong values 3$"):
            checked(wrong)
    assert runs == [(right, 1e-9), (right, 1e-6), (wrong, 1e-9)]
