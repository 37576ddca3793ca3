"""The instructor guide: dist/solutions/<name>_INSTRUCTOR_GUIDE.md (and .html).

Rendered from the assignment's instructor_guide.md.j2 with the build's Jinja environment. The
model answers come from the notebook template's markdown solution regions (the same text
the solution notebook shows), and the points from assignment.yml and the test files, so
nothing here is written twice. The guide holds solutions: it goes to dist/solutions only.
"""

import fractions
import pathlib

import jupytext

from classroom import pages

from . import notebooks, test_files

GUIDE_NAME = "INSTRUCTOR_GUIDE"
# nbconvert's default MathJax (2.7.x); the guide is read online, like the notebook's HTML.
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


class GuideError(ValueError):
    """The guide cannot be written as the metadata and template stand."""


def model_answers(text, manual_questions):
    """{manual question name: model answer markdown}, from the template's markdown solution
    regions, which are taken in order: one region per manually graded question."""
    answers = []
    for cell in jupytext.reads(text, fmt="py:percent").cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        for start, stop in notebooks.solution_regions(lines, notebooks.MARKDOWN_BEGIN, notebooks.MARKDOWN_END):
            answers.append("\n".join(lines[start + 1:stop]).strip())
    if len(answers) != len(manual_questions):
        raise GuideError(
            f"The notebook template has {len(answers)} markdown solution region(s) but assignment.yml "
            f"lists {len(manual_questions)} manual question(s): each needs exactly one model answer."
        )
    return {question["name"]: answer for question, answer in zip(manual_questions, answers)}


def case_points(loaded_tests):
    """{question: {"public": points, "hidden": points, "public_cases": n, "hidden_cases": n,
    "cases": [{"description", "points", "hidden"}]}} of the loaded test files."""
    summary = {}
    for name, loaded in loaded_tests.items():
        cases = loaded.cases
        summary[name] = {
            "public": number(sum(c.points for c in cases if not c.hidden)),
            "hidden": number(sum(c.points for c in cases if c.hidden)),
            "public_cases": sum(not c.hidden for c in cases),
            "hidden_cases": sum(c.hidden for c in cases),
            "cases": [{"description": c.description or c.name, "points": number(c.points), "hidden": c.hidden}
                      for c in cases],
        }
    return summary


def share(policy):
    """A points-policy band as people write it: "0", "at most 25 %", "50 % to 99 %", "100 %"."""
    low, high = (round(100 * policy[key]) for key in ("min", "max"))
    if low == high:
        return f"{low} %" if low else "0"
    return f"at most {high} %" if low == 0 else f"{low} % to {high} %"


def split_points(total, weights):
    """Split total points in proportion to weights, in half points, summing to total exactly."""
    return [number(share) for share in test_files.split(total, weights, step=fractions.Fraction(1, 2))]


def number(value):
    """2 for 2.0, 1.5 for 1.5: points as people write them."""
    value = fractions.Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


def markdown_text(env, assignment, text, loaded_tests, facts):
    template = env.get_template("instructor_guide.md.j2")
    auto_total = sum(q["points"] for q in assignment.questions)
    manual_total = sum(q["points"] for q in assignment.manual_questions)
    return template.render(
        title=assignment.title,
        name=assignment.name,
        notebook=assignment.notebook,
        questions=assignment.questions,
        manual_questions=assignment.manual_questions,
        points=assignment.points,
        cases=case_points(loaded_tests),
        points_policy=[dict(policy, share=share(policy)) for policy in assignment.points_policy],
        auto_total=auto_total,
        manual_total=manual_total,
        total=auto_total + manual_total,
        limits=assignment.limits,
        params=assignment.parameters,
        facts=facts,
        answers=model_answers(text, assignment.manual_questions),
        split_points=split_points,
        half=lambda points: number(fractions.Fraction(points) / 2),
    )


def html_text(markdown, title, mathjax_url=MATHJAX_CDN):
    """A standalone HTML page of the guide; MathJax typesets the $...$ maths."""
    return pages.render("guide.html.j2", title=title, markdown=markdown, mathjax_url=mathjax_url)


def write(dist, env, assignment, text, loaded_tests, facts):
    """Write the guide (markdown and HTML) into dist/solutions/; returns the markdown path."""
    folder = pathlib.Path(dist) / "solutions"
    folder.mkdir(parents=True, exist_ok=True)
    markdown = markdown_text(env, assignment, text, loaded_tests, facts)
    target = folder / f"{assignment.name}_{GUIDE_NAME}.md"
    target.write_text(markdown)
    target.with_suffix(".html").write_text(html_text(markdown, f"Instructor guide: {assignment.title}"))
    return target
