"""The gated cells notebooks and instructor guide as people see them: rendered to HTML (nbconvert's
lab template, as JupyterLab exports it) and loaded in a real, headless Chromium, offline.

Screenshots are kept in dist/screenshots/ for a person to look at. Chromium missing: the
tests skip and say how to install it (`make test` installs it where it can); with
VG_REQUIRE_BROWSER=1 (CI) they fail instead.
"""

import nbformat
import pytest

from builder import guide

from .. import browser
from ..builder.test_build import png_count
from ..page_checks import DOWNLOAD_LINKS, assert_loaded_cleanly, assert_maths_rendered, assert_not_blank, look, to_html

ASSIGNMENT = "gated_cells"


@pytest.fixture(scope="module")
def executed_solution(chromium, full_dist):
    """The solution notebook as `make` executed it."""
    return nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def student_notebook(dist):
    return nbformat.read(dist / "student" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def test_student_notebook_renders_in_chromium(chromium, student_notebook, tmp_path):
    """Does the release notebook show its maths typeset, and its text, in a real browser?"""
    result = look(to_html(student_notebook, tmp_path / "student.html", ASSIGNMENT), f"{ASSIGNMENT}_student_notebook")
    assert_not_blank(result)
    assert_maths_rendered(result)
    assert_loaded_cleanly(result)
    assert result["page"]["title"] == ASSIGNMENT


def test_solution_notebook_shows_every_plot(chromium, executed_solution, tmp_path):
    """Is every image of the executed solution notebook (every plot has one, test_notebook.py checks)
    shown on the static page, decoded and laid out, with its maths?"""
    code = [c for c in executed_solution.cells if c.cell_type == "code"]
    plots = sum(png_count(c) for c in code)
    result = look(to_html(executed_solution, tmp_path / "solution.html", ASSIGNMENT), f"{ASSIGNMENT}_solution_notebook",
                  evaluate=DOWNLOAD_LINKS)
    assert_not_blank(result)
    assert_maths_rendered(result)
    assert_loaded_cleanly(result)
    assert result["evaluated"] == 0, "the page links to a file that only existed while it was executed"
    images = [i for i in result["page"]["images"] if i["data_png"]]
    assert len(images) == plots, result["page"]["images"]
    for image in images:
        assert image["complete"] and image["natural_width"] > 100 and image["natural_height"] > 100, image
        assert image["width"] > 100 and image["height"] > 100, image  # laid out, not hidden


def test_instructor_guide_renders_in_chromium(chromium, dist, tmp_path):
    """Does the instructor guide's HTML show its tables and typeset maths?"""
    markdown = (dist / "solutions" / f"{ASSIGNMENT}_{guide.GUIDE_NAME}.md").read_text()
    html_path = tmp_path / "guide.html"
    html_path.write_text(guide.html_text(markdown, "Instructor guide", mathjax_url=browser.MATHJAX_URL))
    result = look(html_path, f"{ASSIGNMENT}_instructor_guide", evaluate="document.querySelectorAll('table tr').length")
    assert_not_blank(result, min_text=3000)
    assert_maths_rendered(result)
    assert_loaded_cleanly(result)
    assert result["evaluated"] >= 15  # the tables are tables: artifacts, points, rubric
