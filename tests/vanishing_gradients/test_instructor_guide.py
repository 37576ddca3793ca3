"""The instructor guide (dist/solutions/vanishing_gradients_INSTRUCTOR_GUIDE.md): rubric, model answer, points,
Gradescope set-up and the lecture's errors, built with the assignment for instructors only."""

import json
import re
import zipfile

import pytest

from builder import guide, notebooks

from ..conftest import ASSIGNMENT, LOADED, assignment_module, notebook_text

claims = assignment_module(ASSIGNMENT, "claims")
GUIDE = f"{ASSIGNMENT}_{guide.GUIDE_NAME}"

RUBRIC_ITEMS = [
    "Jacobian product and its bound",
    "γ values and the 1/γ threshold",
    "Sufficient vs necessary",
    "Singular value vs eigenvalue, and normality",
    "What clipping does and does not fix",
]


@pytest.fixture(scope="module")
def guide_text(dist):
    return (dist / "solutions" / f"{GUIDE}.md").read_text()


@pytest.fixture(scope="module")
def assignment():
    return LOADED[ASSIGNMENT]


def test_guide_is_built_for_instructors_only(dist):
    """Is the guide in dist/solutions (markdown and HTML) and nowhere in the student release?"""
    assert (dist / "solutions" / f"{GUIDE}.md").is_file()
    assert (dist / "solutions" / f"{GUIDE}.html").is_file()
    assert not [p for p in (dist / "student").rglob("*") if "GUIDE" in p.name.upper()]
    with zipfile.ZipFile(dist / "student" / f"{ASSIGNMENT}.zip") as archive:
        assert not [n for n in archive.namelist() if "GUIDE" in n.upper()]


def test_rubric_covers_the_five_points_and_adds_up(guide_text, assignment):
    """Does the rubric have the five items of the free-response question, with points adding up to the question's?"""
    [manual] = assignment.manual_questions
    table = guide_text.split(f"## Rubric: {manual['title']}")[1].split("### ")[0]
    rows = re.findall(r"^\| (\d) \| (.+?) \| ([\d.]+) \|$", table, flags=re.M)
    assert [title for _n, title, _p in rows] == RUBRIC_ITEMS
    assert sum(float(points) for _n, _t, points in rows) == manual["points"]
    for title in RUBRIC_ITEMS:
        section = guide_text.split(f". {title} (")[1].split("###")[0]
        assert "**Full credit" in section and "**Half credit" in section and "**No credit" in section


def test_model_answer_is_the_notebooks_own(guide_text, assignment):
    """Is the model answer the solution region of the notebook template, word for word?"""
    text = notebook_text(assignment)
    # The template is a jupytext percent file: markdown lines are commented with "# ".
    lines = [line.removeprefix("#").removeprefix(" ") for line in text.split("\n")]
    [(start, stop)] = notebooks.solution_regions(lines, notebooks.MARKDOWN_BEGIN, notebooks.MARKDOWN_END)
    answer = "\n".join(lines[start + 1:stop]).strip()
    assert "Model answer" in answer and "3.88" in answer
    assert answer in guide_text


def test_points_and_totals_match_the_metadata(guide_text, assignment):
    """Does the guide give every question's points and the automatic, manual and overall totals?"""
    auto = sum(q["points"] for q in assignment.questions)
    manual = sum(q["points"] for q in assignment.manual_questions)
    for question in assignment.questions:
        assert re.search(rf"^\| `{question['name']}` \| automatically \|.*\| {question['points']} \|$",
                         guide_text, flags=re.M), question
    assert f"**{auto + manual}** ({auto} automatic + {manual} by hand)" in guide_text


def test_gradescope_set_up_is_spelled_out(guide_text):
    """Does the guide say how to set up Gradescope: bundle, image, uploads, manual question, visibility?"""
    for needle in (
        "Programming Assignment",
        "Configure Autograder",
        f"dist/autograder/{ASSIGNMENT}-autograder.zip",
        "Ubuntu 22.04",
        f"`{ASSIGNMENT}.ipynb`",
        "grader.export()",
        "Enable Manual Grading",
        "Online Assignment",
        "after_published",
    ):
        assert needle in guide_text, needle


def test_lecture_errors_are_listed_with_corrections(guide_text):
    """Are the lecture's errors (docs/mathematics.md) listed, each with the corrected statement?"""
    section = guide_text.split("## What the lecture notebook got wrong")[1]
    for needle in (
        "p *= W_hh.T @ np.diag(...)", "np.eye(n)",           # 1. Hadamard instead of matrix product
        "(5, 1)", "5-vector",                                # 2. broadcasting bias
        "range(t-1, k-2, -1)", "$t-k+1$",                     # 3. one factor too many
        "do not commute",                                    # 4. order
        "np.max(prod(k))", "np.linalg.norm(P, 2)",          # 5. signed entry vs norm
        "$(0, 1)$", "fabricated",                            # 6. states
        "singular value", "normal", "3.88",                  # eigenvalue vs singular value
        "necessary, not", "W_{hx}",                          # sufficiency; W_hx
    ):
        assert needle in section, needle
    assert section.count("*Correct:*") >= 8


@pytest.mark.parametrize("total", [1, 5, 6, 7.5, 10, 13])
def test_rubric_points_always_add_up(total):
    """Does the split of a question's points over weighted items always add up exactly?"""
    shares = guide.split_points(total, [2, 2, 3, 3, 2])
    assert sum(shares) == total and all(share >= 0 for share in shares)
    assert all((2 * share) == int(2 * share) for share in shares)


def test_guide_needs_one_model_answer_per_manual_question(assignment):
    """Does the build refuse a template whose model answers do not match the manual questions?"""
    text = notebook_text(assignment)
    with pytest.raises(guide.GuideError, match="model answer"):
        guide.model_answers(text, assignment.manual_questions * 2)


def test_guide_states_the_numbers_the_build_computed(guide_text, assignment):
    """Do the guide's rubric, model answer and lecture-errors list give the numbers the build
    computed from assignment.yml (not figures typed once and left to go stale)?"""
    values = claims.values(assignment.parameters)
    rubric = guide_text.split("## Model answer")[0]
    assert f"\\sigma_{{\\max}} \\approx {values['nn_sigma']}" in rubric
    answer = guide_text.split("## Model answer")[1].split("## Setting the assignment up")[0]
    assert values["large_first"] in answer and values["nn_norm_steps"] in answer
    errors = guide_text.split("## What the lecture notebook got wrong")[1]
    assert f"grows to about {values['nn_norm_steps']} over {values['nn_steps']} steps" in errors
    assert values["large_first"] in errors and "guaranteed right for normal" in errors


def test_every_case_is_described_in_whole_sentences(dist, guide_text):
    """Is every test case described by the whole first paragraph of its docstring, ending as a
    sentence does, in the guide's list of what each check tests (no description cut at a line)?"""
    with zipfile.ZipFile(dist / "autograder" / f"{ASSIGNMENT}-autograder.zip") as bundle:
        catalogue = json.loads(bundle.read("config.json"))["cases"]
    for question, cases in catalogue.items():
        for case in cases:
            assert case["description"].endswith((".", "?", ")")), (question, case["description"])
            assert case["description"] in guide_text, (question, case["description"])
