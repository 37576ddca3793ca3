"""What the notebook says to students: answers are earned, not given next to the blanks;
`explosion_regime`'s three answers are explained; section titles match their questions; the
corrected sentences stay corrected; the executed solution shows no export output."""

import re

import nbformat
import pytest

from builder import __main__ as build
from builder import config, guide

from ..conftest import ASSIGNMENT, LOADED, QUESTION_OF, REPO, assignment_module, notebook_text, rendered_tests

claims = assignment_module(ASSIGNMENT, "claims")

# Statements a lecturer's review found false or misleading, as they were written, each with what is
# true instead: in the executed run both Gaussian runs share only the first spike; eigenvalues decide
# the long run of a factor that never changes only; orthogonal initialisation controls the start.
REFUTED = [
    (r"meets? the same spikes", "the clipped run shares only the first spike with the unclipped run"),
    (r"spikes of the gradient norm were the same", "the clipped run shares only the first spike"),
    (r"spikes of the unclipped training run", "the unclipped run has one spike, its first update"),
    (r"eigenvalues do decide the (very )?long run", "only the long run of a factor that never changes"),
    (r"eigenvalues only govern the limit", "only the long run of a factor that never changes"),
    (r"eigenvalues give the rate in the long run", "only the rate of a factor that never changes"),
    (r"safest start", "orthogonal initialisation controls the start, not the training"),
    (r"\(LSTM/GRU\) or initialisations", "an initialisation does not restore the long-range signal"),
]

CONDITIONS = [function for function, question in QUESTION_OF.items() if question == "conditions"]

# How a sentence could hand out tanh's bound (gamma = 1, threshold 1) before Question 5 is answered.
TANH_BOUND_GIVEN = [
    r"tanh[^.]{0,60}\\gamma\s*=\s*1\b",
    r"\\gamma\s*=\s*1\b[^.]{0,60}tanh",
    r"tanh[^.]{0,60}1/\\gamma\s*=\s*1\b",
    r"\b1 for tanh\b",
    r"tanh'?\(?z?\)?\s*(\\le|<=)\s*1\b",
]


def flat(text):
    """Markdown without the percent-format comment marks and line breaks."""
    return re.sub(r"\s+", " ", text)


def cells_before(notebook, marker):
    """The cells above the first code cell whose source contains marker."""
    end = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and marker in c.source)
    return notebook.cells[:end]


def source_of(notebook, marker):
    return next(c.source for c in notebook.cells if c.cell_type == "code" and marker in c.source)


def test_short_answers_are_not_stated_before_they_are_asked(student_notebook):
    """Does nothing above Question 5's check give tanh's bound, and do the docstrings of its functions
    stay silent on every gamma?"""
    above = flat("\n".join(c.source for c in cells_before(student_notebook, 'grader.check("conditions")')))
    for pattern in TANH_BOUND_GIVEN:
        assert not re.search(pattern, above), pattern
    for function in CONDITIONS:
        docstring = source_of(student_notebook, f"def {function}(").split('"""')[1]
        assert not re.search(r"1/4|0\.25|\btanh\b|\bsigmoid\b", docstring), docstring


def test_the_sigmoid_bound_is_derived_and_the_tanh_bound_is_asked_for(student_notebook):
    """Does the notebook derive gamma = 1/4 for the sigmoid and ask the student to derive tanh's?"""
    markdown = [flat(c.source) for c in cells_before(student_notebook, 'grader.check("conditions")')
                if c.cell_type == "markdown"]
    assert any("p(1-p) \\le 1/4" in cell for cell in markdown)
    assert any("tanh" in cell and "Derive" in cell and "Question 5" in cell for cell in markdown)


def test_explosion_regime_has_three_answers_and_the_threshold_is_explained(student_notebook):
    """Do the question and the docstring give all three answers and the tolerance, does the question say
    what "guaranteed" means, and does the notebook explain the threshold case with an orthogonal W_hh and
    tanh?"""
    docstring = flat(source_of(student_notebook, "def explosion_regime(").split('"""')[1])
    for answer in ('"impossible"', '"possible"', '"guaranteed at full slope"', "1e-9"):
        assert answer in docstring, answer
    markdown = [flat(c.source) for c in student_notebook.cells if c.cell_type == "markdown"]
    question = next(cell for cell in markdown if "`explosion_regime(W_hh, gamma)`" in cell)
    assert '"guaranteed at full slope"' in question and "10^{-9}" in question
    assert "every slope is at its maximum" in question and "Gelfand" in question
    assert any("orthogonal" in cell and "tanh" in cell and "threshold" in cell
               and "nothing vanishes and nothing explodes" in cell for cell in markdown)


def test_section_titles_match_their_questions(student_notebook):
    """Is each hand-graded question in the section named after it, and no auto-graded one there?"""
    section, questions_by_section = None, {}
    for cell in student_notebook.cells:
        if cell.cell_type != "markdown":
            continue
        heading = re.search(r"^## (.+)$", cell.source, flags=re.M)
        if heading:
            section = heading.group(1)
        for number in re.findall(r"\*\*Question (\d+) ", cell.source):
            questions_by_section.setdefault(section, []).append(int(number))
    for manual in config.load(ASSIGNMENT).manual_questions:
        [titled] = [s for s in questions_by_section if manual["title"] in s]
        assert len(questions_by_section[titled]) == 1, questions_by_section
    numbers = sorted(n for ns in questions_by_section.values() for n in ns)
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("overstated, reason", [
    ("most favourable", "a_i = 0 maximises each factor, not the product"),
    ("right only for normal", "the eigenvalue version is guaranteed right for normal W, not only there"),
    ("gradients must vanish", "only the long-range terms must vanish; the k = t term is I"),
    ("and it changes the direction", "clipping by value can change the direction"),
    ("would change the direction", "clipping by value can change the direction"),
    ("is tiny", "a size claim the build checks is stated with its number"),
])
def test_overstated_sentences_stay_corrected(solution_notebook, overstated, reason):
    """Is the notebook (solution text included) free of a sentence that overstated the maths?"""
    text = flat("\n".join(c.source for c in solution_notebook.cells if c.cell_type == "markdown"))
    assert overstated not in text, reason


@pytest.fixture(scope="module")
def guide_markdown():
    assignment = LOADED[ASSIGNMENT]
    return guide.markdown_text(build.render.environment(assignment), assignment, notebook_text(assignment),
                               build.load_tests(rendered_tests(assignment)), build.facts(assignment))


@pytest.mark.parametrize("statement, correction", REFUTED)
def test_refuted_statements_are_gone_everywhere(solution_notebook, guide_markdown, statement, correction):
    """Is a statement the review found false or misleading gone from the solution notebook (text and
    code), the instructor guide (model answer and rubric), the mathematics page and the README?"""
    texts = {
        "solution notebook": "\n".join(c.source for c in solution_notebook.cells),
        "instructor guide": guide_markdown,
        "docs/mathematics.md": (REPO / "docs" / "mathematics.md").read_text(encoding="utf-8"),
        "README.md": (REPO / "README.md").read_text(encoding="utf-8"),
    }
    for where, text in texts.items():
        assert not re.search(statement, flat(text), flags=re.IGNORECASE), (where, correction)


def test_corrected_statements_stand_with_the_numbers_the_build_checked(solution_notebook, guide_markdown):
    """Do the notebook, its model answer and the rubric say what is true instead (the runs share only
    their first spike, one unclipped step saturates for good, the clipped run's later spikes are each cut
    to learning rate times max_norm; rho(W_hh) decides neither run once the slopes change; orthogonal
    initialisation controls the start, not the training), with the numbers the build's claims checked?"""
    values = claims.values(config.load(ASSIGNMENT).parameters)
    markdown = flat("\n".join(c.source for c in solution_notebook.cells if c.cell_type == "markdown"))
    for sentence in ("it is the only spike they share", "one step saturated the network for good",
                     f"up to ${values['run_clipped_later_ratio']}$ times the first",
                     f"ended with $\\sigma_{{\\max}}(W_{{hh}}) \\approx {values['orthogonal_sigma_end']}$",
                     "decides neither the short nor the long run", "controls the start, not the training",
                     f"grows by a factor ${values['nilpotent_growth']}$ with every step"):
        assert sentence in markdown, sentence
    rubric, answer = (flat(part) for part in guide_markdown.split("## Model answer")[:2])
    for text in (rubric, answer):
        assert "share only their first spike" in text or "shared only their first spike" in text
        assert f"up to {values['run_clipped_later_ratio']}" in text.replace("$", "")
    assert "decides neither the short nor the long run" in answer
    assert "controls the start, not the training" in answer


def test_the_w6_aside_is_optional_and_nothing_later_needs_it(solution_notebook):
    """Is the aside on W_6 marked optional, at the end of its section, and is W_6 used by no later cell?"""
    cells = solution_notebook.cells
    [aside] = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "Optional aside" in c.source]
    assert "Skip this on a first reading" in cells[aside].source
    assert "W_6 = np.array" in cells[aside + 1].source
    assert cells[aside + 2].cell_type == "markdown" and cells[aside + 2].source.lstrip().startswith("## ")
    assert not [c for c in cells[aside + 2:] if c.cell_type == "code" and re.search(r"\bW_6\b|J_saturated", c.source)]


def test_update_bound_is_stated_for_plain_gradient_descent_only(solution_notebook):
    """Is "no update larger than learning rate times c" tied to plain gradient descent?"""
    text = flat("\n".join(c.source for c in solution_notebook.cells if c.cell_type == "markdown"))
    for match in re.finditer(r"no update can be larger than the learning rate", text):
        assert "plain gradient descent" in text[max(0, match.start() - 120):match.start()]


def test_executed_solution_shows_no_export_output(full_dist):
    """Does the built solution keep its export cell but show no link to a zip that no longer exists?"""
    notebook = nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    [export] = [c for c in notebook.cells if c.cell_type == "code" and "grader.export(" in c.source]
    assert export.outputs == []
    shown = "".join(str(o) for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert ".zip" not in shown and "download" not in shown.lower()
