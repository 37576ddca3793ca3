"""`make grade`'s instructor outputs: progress, grades.csv, feedback pages and report.html.

One small class is graded through `make grade`'s path (python -m classroom, which runs the
bundle's own grader per notebook): the solution, a few students
sharing mistakes, a blank notebook, a file that is not a notebook and an error message full
of HTML. The report is read as HTML (content checks) and, where Chromium is installed, looked
at in a real browser (tests/browser.py).
"""

import csv
import html
import re

import nbformat
import pytest

from classroom import pages, report

from ..conftest import BANK, make_grade, with_cell_replaced

TRANSPOSE_HINT = "Your result is the transpose of the expected one"
SQUARED_HINT = "Your norm is the squared norm"
HOSTILE = '''
def clip_gradients(grads, max_norm):
    raise ValueError("<script>alert('x')</script> ``` | **b**")
'''


def class_of(solution_notebook, student_notebook):
    def wrong(function, stem):
        return with_cell_replaced(solution_notebook, function, (BANK / function / f"{stem}.py").read_text())

    return {
        "alice": solution_notebook,
        "bob": wrong("prod", "wrong_transposed_jacobian"),
        "carol": wrong("prod", "wrong_transposed_jacobian"),
        "dave": wrong("prod", "wrong_transposed_jacobian"),
        "erin": wrong("clip_gradients", "wrong_squared_norm"),
        "frank": wrong("clip_gradients", "wrong_squared_norm"),
        "grace": wrong("sigmoid_gradient", "wrong_returns_sigmoid"),
        "heidi": student_notebook,  # blank
        "ivan": b"this is not a notebook",
        "judy": with_cell_replaced(solution_notebook, "clip_gradients", HOSTILE),
    }


@pytest.fixture(scope="module")
def graded_class(dist, solution_notebook, student_notebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("class-out")
    (out / "stale.json").write_text("{}")  # OUT may already exist, with files of earlier runs
    for stem, notebook in class_of(solution_notebook, student_notebook).items():
        if isinstance(notebook, bytes):
            (folder / f"{stem}.ipynb").write_bytes(notebook)
        else:
            nbformat.write(notebook, folder / f"{stem}.ipynb")
    completed = make_grade(dist, folder, out)
    assert completed.returncode == 0, completed.stderr
    return {"folder": folder, "out": out, "stdout": completed.stdout,
            "report": (out / "report.html").read_text(encoding="utf-8")}


def test_progress_bar_shows_count_and_rate(graded_class):
    """Does the batch show the running count, the time left and the rate as it grades?"""
    screens = re.split(r"[\r\n]", graded_class["stdout"])
    final = [screen for screen in screens if re.match(r"^100%\|.*\| 10/10 \[", screen)]
    assert final and re.search(r"\d+(\.\d+)?(s/notebook|notebook/s)", final[-1]), final
    assert "report.html" in graded_class["stdout"].splitlines()[-1]


def test_grades_csv_keeps_its_format(graded_class, question_points):
    """Is grades.csv submission,<identity>...,<questions>...,total with one row per notebook?"""
    with open(graded_class["out"] / "grades.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    identity = ["submission_id", "name", "email", "sid"]
    assert rows[0] == ["submission", *identity, *question_points, "total"]
    by_stem = {row[0]: row for row in rows[1:]}
    assert sorted(by_stem) == sorted(p.stem for p in graded_class["folder"].glob("*.ipynb"))
    assert by_stem["alice"][1:5] == ["", "", "", ""]  # plain notebooks name no student
    assert by_stem["alice"][5:] == [str(p) for p in question_points.values()] + [str(sum(question_points.values()))]
    assert by_stem["ivan"][-1] == "0" and by_stem["heidi"][-1] == "0"


def test_feedback_page_for_every_submission(graded_class):
    """Is there a feedback page per submission showing what Gradescope would, student text escaped?"""
    feedback = graded_class["out"] / "feedback"
    stems = sorted(p.stem for p in graded_class["folder"].glob("*.ipynb"))
    assert sorted(p.stem for p in feedback.glob("*.html")) == stems
    bob = (feedback / "bob.html").read_text(encoding="utf-8")
    assert TRANSPOSE_HINT in html.unescape(bob) and "shown once grades are published" in bob
    assert "Hidden check 1" in bob and "<table>" in bob and "<pre><code" in bob
    judy = (feedback / "judy.html").read_text(encoding="utf-8")
    assert "<script>" not in judy and "&lt;script&gt;alert('x')&lt;/script&gt;" in judy
    assert "could not be read" in html.unescape((feedback / "ivan.html").read_text(encoding="utf-8"))


def test_report_draws_its_charts_as_inline_svg(graded_class):
    """Does report.html draw the score histogram and the per-question chart as inline SVG, with no image files?"""
    assert re.findall(r'<svg id="([\w-]+)"', graded_class["report"]) == ["histogram", "questions-chart"]
    assert "<img" not in graded_class["report"]
    assert "http://" not in graded_class["report"].replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in graded_class["report"]


def test_report_per_question_mean_and_pass_rate(graded_class, question_points):
    """Does the report give each question's mean and pass rate (share with full marks), as in grades.csv?"""
    with open(graded_class["out"] / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    page = graded_class["report"]
    for question, points in question_points.items():
        scores = [float(row[question]) for row in rows]
        mean = round(sum(scores) / len(scores), 2)
        full = sum(score == points for score in scores)
        row = re.search(rf"<tr><td class=\"\"><code>{question}</code></td>(.*?)</tr>", page).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0] == pages.number(points) and cells[1] == pages.number(mean), cells
        assert cells[3] == f"{100 * full / len(scores):.0f}% ({full})", cells


def test_report_lists_the_most_common_failing_checks_and_mistakes(graded_class):
    """Does the report list the class's most common failing checks, with the hints (mistakes) behind them?"""
    page = html.unescape(graded_class["report"])
    failing = page.split("Most common failing checks")[1].split("Mistakes named by the hints")[0]
    assert "On a small consistent sigmoid RNN" in failing and "Random consistent RNNs" in failing
    assert re.search(r"<td class=\"num\">[45] \(\d+%\)</td>", failing)  # 3 transposes + the blank notebook
    assert TRANSPOSE_HINT in failing and SQUARED_HINT in failing
    mistakes = page.split("Mistakes named by the hints")[1].split("<h2>")[0]
    transpose_row = next(row for row in mistakes.split("<tr>") if TRANSPOSE_HINT in row)
    assert re.search(r"<td class=\"num\">3</td>", transpose_row)
    assert "<script>" not in graded_class["report"]


def test_report_links_every_feedback_page(graded_class):
    links = set(re.findall(r'<a href="feedback/([^"]+)\.html">', graded_class["report"]))
    assert links == {p.stem for p in graded_class["folder"].glob("*.ipynb")}


def test_batch_without_matplotlib_writes_the_same_report(dist, graded_class, tmp_path):
    """Where matplotlib cannot be imported, does make grade still write report.html with both charts
    (the report draws its own SVG)?"""
    blocker = tmp_path / "block"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    submissions = tmp_path / "subs"
    submissions.mkdir()
    for stem in ("alice", "bob"):
        (submissions / f"{stem}.ipynb").write_bytes((graded_class["folder"] / f"{stem}.ipynb").read_bytes())
    completed = make_grade(dist, submissions, tmp_path / "out", extra_env={"PYTHONPATH": str(blocker)})
    assert completed.returncode == 0, completed.stderr
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<svg id="histogram"' in page and '<svg id="questions-chart"' in page
    assert (tmp_path / "out" / "feedback" / "bob.html").is_file()


def test_svg_histogram_counts():
    """Are the bins right: one point wide, the maximum in the last bin?"""
    edges, counts = report.histogram_counts([0, 0.5, 3, 24, 24, 23.5], 24)
    assert len(edges) == 25 and counts[0] == 2 and counts[3] == 1 and counts[23] == 3 and sum(counts) == 6
    chart = report.histogram_chart([1, 2, 2], 4)
    assert [bar["title"] for bar in chart["bars"]] == ["0-1: 0", "1-2: 1", "2-3: 2", "3-4: 0"]


CHART_PROBE = """[...document.querySelectorAll("svg")].map(svg => {
  const box = element => element.getBoundingClientRect();
  const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const bars = [...svg.querySelectorAll("rect.chart-bar")].map(box);
  const legend = [...svg.querySelectorAll(".legend")].map(box);
  return {id: svg.id, width: box(svg).width, rects: svg.querySelectorAll("rect").length,
          tallest_bar: Math.max(0, ...bars.map(b => b.height)),
          legend_covers_a_bar: legend.some(l => bars.some(b => b.height > 0 && overlaps(l, b)))};
})"""


def test_report_screenshot(graded_class, tmp_path):
    """Does report.html render in headless Chromium, offline, with both charts drawn and no legend over a bar?"""
    from .. import browser

    if browser.find_chromium() is None:
        pytest.skip(browser.INSTALL_HINT)
    shot = browser.screenshot(graded_class["out"] / "report.html", tmp_path / "report.png", width=1100,
                              evaluate=CHART_PROBE)
    assert not shot["blank"] and not shot["failed_requests"] and not shot["exceptions"], shot
    charts = {chart["id"]: chart for chart in shot["evaluated"]}
    assert sorted(charts) == ["histogram", "questions-chart"], charts
    assert all(chart["width"] > 300 and chart["rects"] > 2 for chart in charts.values()), charts
    assert not charts["questions-chart"]["legend_covers_a_bar"], charts
    assert charts["questions-chart"]["tallest_bar"] > 100, charts  # bars drawn to scale, not restyled by the CSS
    assert shot["page"]["scroll_width"] <= 1100  # no sideways scrolling
    feedback = browser.screenshot(graded_class["out"] / "feedback" / "bob.html", tmp_path / "bob.png", width=1100)
    assert not feedback["blank"] and not feedback["failed_requests"] and not feedback["exceptions"]
    assert feedback["page"]["scroll_width"] <= 1100
