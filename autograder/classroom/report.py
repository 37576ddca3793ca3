"""HTML for `make grade`: per-student feedback pages and the class report.

    OUT/feedback/<stem>.html   what the student sees on Gradescope (the results' Markdown
                               rendered to HTML): the visible summary first, then each
                               question's test as shown once grades are published
    OUT/report.html            score histogram, per-question mean and pass rate, the most
                               common failing checks and hints (the mistakes of the class),
                               and every submission with a link to its feedback

The numbers are computed here, as plain data (class_statistics, the charts' geometry); the
pages are the Jinja templates of classroom/templates, rendered through classroom.pages (one
environment, autoescaping, markdown-it for the results' Markdown, which never passes raw HTML
through). The charts are inline SVG: no plotting library to import, no image files, and the
pages need no network and no JavaScript.
"""

import collections
import math
import os
import statistics
import urllib.parse

from grader import results as results_format
from grader.results import inline, question_of

from . import pages
from .pages import number as _num

# -- one student's feedback -------------------------------------------------------------


VISIBILITY_NOTE = {
    "visible": "shown at once",
    "after_published": "shown once grades are published",
    "after_due_date": "shown after the due date",
    "hidden": "never shown to students",
}


TEMPLATES = ("page.html.j2", "macros.html.j2", "cells.html.j2", "charts.html.j2", "feedback.html.j2",
             "report.html.j2")


def compile_templates():
    """Compile the templates of both pages once, ahead of the first page."""
    for template in TEMPLATES:
        pages.environment().get_template(template)


def feedback_page(stem, results):
    """The HTML feedback page of one submission: its results.json as Gradescope shows it (None: not graded)."""
    if not results:
        return pages.render("feedback.html.j2", title=f"Feedback: {stem}", stem=stem, results=None)
    tests = results.get("tests", [])
    shown = [{
        "name": str(test.get("name", "")),
        "status": test.get("status") or ("passed" if test.get("score") == test.get("max_score") else "failed"),
        "score": _num(test.get("score", 0)) + (f" / {_num(test['max_score'])}" if "max_score" in test else ""),
        "format": test.get("output_format", results.get("test_output_format", "text")),
        "output": test.get("output", ""),
        "note": VISIBILITY_NOTE.get(test.get("visibility", "visible"), ""),
    } for test in tests]
    summary = {"score": results.get("score", 0), "output": results.get("output", ""),
               "output_format": results.get("output_format", "text")}
    return pages.render("feedback.html.j2", title=f"Feedback: {stem}", stem=stem, results=summary, tests=shown,
                        total=sum(float(test.get("max_score", 0) or 0) for test in tests),
                        summary_note=VISIBILITY_NOTE.get(results.get("visibility", "visible"), ""))


# -- charts -------------------------------------------------------------------------------


def histogram_counts(totals, max_total):
    """Edges and counts of totals in bins of one point (0-1, 1-2, ...; the last bin includes its top)."""
    top = max(1, math.ceil(max(max_total, max(totals, default=0))))
    counts = [0] * top
    for total in totals:
        counts[min(max(int(math.floor(float(total))), 0), top - 1)] += 1
    return [float(edge) for edge in range(top + 1)], counts


def histogram_chart(totals, max_total):
    """The score distribution's geometry: one bar per point, the count as a tooltip."""
    edges, counts = histogram_counts(totals, max_total)
    width, height, left, bottom = 720, 240, 40, 30
    plot_w, plot_h = width - left - 10, height - bottom - 10
    top = max(max(counts, default=1), 1)
    bar_w = plot_w / max(len(counts), 1)
    bars = [{"x": f"{left + index * bar_w:.1f}", "y": f"{10 + plot_h - plot_h * count / top:.1f}",
             "width": f"{max(bar_w - 1, 1):.1f}", "height": f"{plot_h * count / top:.1f}",
             "title": f"{_num(edges[index])}-{_num(edges[index + 1])}: {int(count)}"}
            for index, count in enumerate(counts)]
    ticks = [{"x": f"{left + index * bar_w:.1f}", "label": _num(edges[index])}
             for index in range(0, len(edges), max(1, len(counts) // 12))]
    return {"width": width, "height": height, "left": left, "right": left + plot_w, "baseline": 10 + plot_h,
            "top": top, "bars": bars, "ticks": ticks,
            "caption": f"Total autograded score of {len(totals)} graded submissions (bins of 1 point, "
                       f"out of {_num(max_total)})."}


QUESTION_SERIES = [("mean_percent", "mean score (%)", "#0969da"),
                   ("pass_rate", "full marks (% of students)", "#1a7f37")]


def questions_chart(stats):
    """Mean score (% of the question's points) and full-marks rate per question: the chart's geometry.

    The legend sits above the plot, so it never covers a bar."""
    width, left, legend_h, plot_h, bottom = 720, 40, 24, 180, 30
    plot_w = width - left - 10
    group_w = plot_w / len(stats)
    bar_w = group_w * 0.35
    y0 = legend_h + plot_h  # the baseline (0 %)
    legend, x = [], left
    for _, label, colour in QUESTION_SERIES:
        legend.append({"x": x, "label": label, "colour": colour})
        x += 16 + 7 * len(label) + 24
    gridlines = [{"percent": percent, "y": f"{y0 - plot_h * percent / 100:.1f}",
                  "label_y": f"{y0 - plot_h * percent / 100 + 4:.1f}"} for percent in (0, 50, 100)]
    bars, labels = [], []
    for index, question in enumerate(stats):
        centre, name = left + (index + 0.5) * group_w, str(question["question"])
        for offset, (key, label, colour) in zip((-1, 0), QUESTION_SERIES):
            value = min(max(float(question[key]), 0.0), 100.0)
            bars.append({"x": f"{centre + offset * bar_w:.1f}", "y": f"{y0 - plot_h * value / 100:.1f}",
                         "width": f"{bar_w:.1f}", "height": f"{plot_h * value / 100:.1f}", "colour": colour,
                         "title": f"{name}: {label} {value:.0f}"})
        labels.append({"x": f"{centre:.1f}", "text": name})
    return {"width": width, "height": legend_h + plot_h + bottom, "left": left, "right": left + plot_w,
            "legend": legend, "gridlines": gridlines, "bars": bars, "labels": labels, "label_y": y0 + 18}


# -- the class report -------------------------------------------------------------------------


def class_statistics(records, questions, cases_by_question):
    """The numbers of the class report, as plain data (tests read them too).

    records: [{"stem", "results"}] (stem: the submission's name as shown; "file", if given, is the
    stem of its file names; results None when not graded); questions: [(name, points)];
    cases_by_question: {question: [{"name", "description", "hidden", "points"}]} from the test files.
    """
    graded = [r for r in records if r["results"] and r["results"].get("tests")]
    max_total = sum(points for _, points in questions)
    totals = [float(r["results"].get("score", 0)) for r in graded]
    per_question = []
    for name, max_points in questions:
        scores = [results_format.question_scores(r["results"]).get(name, 0.0) for r in graded]
        full = sum(abs(score - max_points) < 1e-9 for score in scores)
        per_question.append({
            "question": name, "points": max_points,
            "mean": statistics.fmean(scores) if scores else 0.0,
            "mean_percent": 100 * statistics.fmean(scores) / max_points if scores and max_points else 0.0,
            "pass_rate": 100 * full / len(scores) if scores else 0.0,
            "full_marks": full,
        })
    descriptions = {(q, c["name"]): c for q, cases in cases_by_question.items() for c in cases}
    failing = collections.defaultdict(lambda: {"students": [], "hints": collections.Counter()})
    hints = collections.defaultdict(lambda: {"students": set(), "questions": set()})
    for record in graded:
        for test in record["results"]["tests"]:
            question = question_of(test)
            for case in (test.get("extra_data") or {}).get("cases", []):
                if case.get("passed"):
                    continue
                entry = failing[(question, case.get("name"))]
                entry["students"].append(record["stem"])
                hint = case.get("hint", "")
                if hint:
                    entry["hints"][hint] += 1
                    hints[hint]["students"].add(record["stem"])
                    hints[hint]["questions"].add(question)
    common = []
    for (question, case_name), entry in failing.items():
        info = descriptions.get((question, case_name), {})
        common.append({
            "question": question, "case": case_name, "description": info.get("description", case_name),
            "hidden": info.get("hidden", False), "points": info.get("points", 0),
            "failed": len(entry["students"]),
            "percent": 100 * len(entry["students"]) / len(graded) if graded else 0.0,
            "hints": entry["hints"].most_common(3),
        })
    # Most failed first; on a tie the public check first, since its hint names the mistake
    # (public checks are worth 0 points but teach; hidden ones only pay).
    common.sort(key=lambda c: (-c["failed"], c["hidden"], -float(c["points"] or 0), c["question"], c["case"]))
    mistakes = sorted(({"hint": hint, "students": len(v["students"]), "questions": sorted(v["questions"])}
                       for hint, v in hints.items()), key=lambda m: (-m["students"], m["hint"]))
    return {
        "submissions": len(records), "graded": len(graded),
        "not_graded": [r["stem"] for r in records if r not in graded],
        "max_total": max_total, "totals": totals,
        "mean": statistics.fmean(totals) if totals else 0.0,
        "median": statistics.median(totals) if totals else 0.0,
        "stdev": statistics.pstdev(totals) if len(totals) > 1 else 0.0,
        "min": min(totals, default=0.0), "max": max(totals, default=0.0),
        "questions": per_question, "common_failures": common, "mistakes": mistakes,
        "notebook_problems": [r["stem"] for r in graded
                              if (r["results"].get("extra_data") or {}).get("notebook_problems")],
    }


def isolation_summary(records):
    """Lines saying how the notebooks were isolated, loudly where not at the strongest level."""
    levels = collections.Counter()
    reasons = collections.Counter()
    for record in records:
        extra = (record["results"] or {}).get("extra_data") or {}
        level = extra.get("isolation_level")
        if level:
            levels[level] += 1
            if extra.get("isolation_weaker_because"):
                reasons[f"{level}: {extra['isolation_weaker_because']}"] += 1
    lines = []
    if levels:
        counts = sorted(levels.items())
        lines.append("Isolation: " + ", ".join(f"{count} at the {level} level" for level, count in counts))
    for reason, count in reasons.most_common(5):
        lines.append(f"WARNING: {count} notebook(s) not at the strongest isolation level ({reason})")
    return lines


def class_report(records, questions, cases_by_question, title="Class report", feedback_dir="feedback",
                 generated="", not_graded=()):
    """report.html: distribution, per-question statistics, common failures, submissions."""
    stats = class_statistics(records, questions, cases_by_question)
    cells = pages.macros("cells.html.j2")
    question_rows = [[cells.code(q["question"]), _num(q["points"]), _num(round(q["mean"], 2)),
                      f"{q['mean_percent']:.0f}%", f"{q['pass_rate']:.0f}% ({q['full_marks']})",
                      cells.bar(q["mean_percent"])]
                     for q in stats["questions"]]
    failure_rows = [[cells.code(case["question"]), case["description"],
                     "hidden" if case["hidden"] else ("public preview" if not case["points"] else "public"),
                     f"{case['failed']} ({case['percent']:.0f}%)",
                     cells.hints([(inline(hint), count) for hint, count in case["hints"]])]
                    for case in stats["common_failures"][:15]]
    mistake_rows = [[cells.hint(inline(m["hint"])), cells.codes(m["questions"]), str(m["students"])]
                    for m in stats["mistakes"][:25]]
    names = [name for name, _ in questions]
    identified = any(record.get("students") or record.get("submission_id") for record in records)
    identity_header = ["students (name, email, SID)", "submission id"] if identified else []
    submission_rows = []
    for record in records:
        results, stem = record["results"], record["stem"]
        target = urllib.parse.quote(os.fsencode(record.get("file", stem)))  # the file's own bytes
        row = [cells.link(feedback_dir, target, stem)]
        if identified:
            row += [cells.students(record.get("students") or []), record.get("submission_id") or ""]
        if results and results.get("tests"):
            scores = results_format.question_scores(results)
            row += [_num(scores.get(n, 0)) for n in names] + [_num(results.get("score", 0))]
        else:
            row += ["" for _ in names] + ["not graded"]
        submission_rows.append(row)
    first = 1 + len(identity_header)
    return pages.render(
        "report.html.j2", title=title, generated=generated, stats=stats, isolation=isolation_summary(records),
        not_graded=[{"row": [item["input"], item["reason"]]} for item in not_graded],
        distribution=[str(stats["graded"]), _num(round(stats["mean"], 2)), _num(stats["median"]),
                      _num(round(stats["stdev"], 2)), _num(stats["min"]), _num(stats["max"]), _num(stats["max_total"])],
        histogram=histogram_chart(stats["totals"], stats["max_total"]),
        question_rows=question_rows,
        questions_chart=questions_chart(stats["questions"]) if stats["questions"] else None,
        failure_rows=failure_rows, mistake_rows=mistake_rows,
        submission_header=["submission", *identity_header, *names, "total"], submission_rows=submission_rows,
        submission_numeric=range(first, first + len(names) + 1),
    )
