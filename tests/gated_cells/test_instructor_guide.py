"""The gated cells instructor guide (dist/solutions/gated_cells_INSTRUCTOR_GUIDE.md): rubric, model answer,
points, Gradescope set-up, the mistakes the hidden checks tell apart and the lab, for instructors only."""

import re
import zipfile

import pytest

from builder import guide, notebooks

from ..conftest import LOADED, assignment_module, notebook_text

ASSIGNMENT = "gated_cells"
claims = assignment_module(ASSIGNMENT, "claims")
GUIDE = f"{ASSIGNMENT}_{guide.GUIDE_NAME}"
RUBRIC_ITEMS = [
    "Cell path against the full Jacobian",
    "Forget gates below 1, and the bias arithmetic",
    "Saturated gates",
    "The extra terms can explode: clipping still needed",
    "The GRU's coupled gate",
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
    assert not [p for p in (dist / "student" / ASSIGNMENT).rglob("*") if "GUIDE" in p.name.upper()]
    with zipfile.ZipFile(dist / "student" / f"{ASSIGNMENT}.zip") as archive:
        assert not [n for n in archive.namelist() if "GUIDE" in n.upper()]


def test_rubric_covers_the_five_points_and_adds_up(guide_text, assignment):
    """Does the rubric have one item per point the question asks for, with points adding up to the question's?"""
    [manual] = assignment.manual_questions
    table = guide_text.split(f"## Rubric: {manual['title']}")[1].split("### ")[0]
    rows = re.findall(r"^\| (\d) \| (.+?) \| ([\d.]+) \|$", table, flags=re.M)
    assert [title for _n, title, _p in rows] == RUBRIC_ITEMS
    assert sum(float(points) for _n, _t, points in rows) == manual["points"]
    for title in RUBRIC_ITEMS:
        section = guide_text.split(f". {title} (")[1].split("###")[0]
        assert "**Full credit" in section and "**Half credit" in section and "**No credit" in section


def test_the_question_asks_for_what_the_rubric_grades(assignment):
    """Does the notebook's Question 6 list five points, one per rubric item, in the rubric's order?"""
    text = notebook_text(assignment)
    question = text.split("**Question 6")[1].split("<!-- BEGIN SOLUTION -->")[0]
    listed = re.findall(r"^# (\d)\. ", question, flags=re.M)
    assert listed == [str(n) for n in range(1, len(RUBRIC_ITEMS) + 1)]
    for needle in ("cell path", "bias arithmetic", "saturated gates", "clipping", "GRU"):
        assert needle in question, needle


def test_model_answer_is_the_notebooks_own(guide_text, assignment):
    """Is the model answer the solution region of the notebook template, word for word?"""
    lines = [line.removeprefix("#").removeprefix(" ") for line in notebook_text(assignment).split("\n")]
    [(start, stop)] = notebooks.solution_regions(lines, notebooks.MARKDOWN_BEGIN, notebooks.MARKDOWN_END)
    answer = "\n".join(lines[start + 1:stop]).strip()
    assert answer.startswith("**Model answer.**") and answer in guide_text


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
    for needle in ("Programming Assignment", "Configure Autograder", f"dist/autograder/{ASSIGNMENT}-autograder.zip",
                   "Ubuntu 22.04", f"`{ASSIGNMENT}.ipynb`", "grader.export()", "Enable Manual Grading",
                   "Online Assignment", "after_published"):
        assert needle in guide_text, needle


def test_the_mistakes_the_hidden_checks_tell_apart_are_listed(guide_text, assignment):
    """Does the guide list the wrong mathematics students are likely to write, each with the question that
    catches it, every question named?"""
    section = guide_text.split("## Mistakes the hidden checks tell apart")[1].split("## The lab")[0]
    for needle in ("$i, f, g, o$", "`x @ W.T`", "$t-k+1$", "total derivative", "$U_o$", "diag}(z_j)",
                   "never answers `\"exploding\"`", "$f^s \\le \\tau$"):
        assert needle in section, needle
    for question in assignment.questions:
        assert f"(`{question['name']}`" in section, question["name"]


def test_guide_states_the_numbers_the_build_computed(guide_text, assignment):
    """Do the rubric and the lab's paragraph give the numbers the build computed from assignment.yml?"""
    values = claims.values(assignment.parameters)
    rubric = guide_text.split("## Model answer")[0]
    assert f"after {values['usual_memory_steps']} steps" in rubric and values["long_lag_bias"] in rubric
    lab = guide_text.split("## The lab")[1]
    assert f"{values['seeds_checked']} seeds ({values['seed_first']} to {values['seed_last']})" in lab
    assert values["lowest_lstm_accuracy"] in lab and values["rnn_accuracy_range"] in lab
