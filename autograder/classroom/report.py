"""HTML for `make grade`: per-student feedback pages and the class report.

    OUT/feedback/<stem>.html   what the student sees on Gradescope (the results' Markdown
                               rendered to HTML): the visible summary first, then each
                               question's test as shown once grades are published
    OUT/report.html            score histogram, per-question mean and pass rate, the most
                               common failing checks and hints (the mistakes of the class),
                               and every submission with a link to its feedback

Everything is rendered here, in the grader package (Python 3.10+ and the standard library
only), because the batch command ships in the Gradescope bundle and must work there too.
The charts are inline SVG drawn here: the same pages everywhere, and no plotting library to
import (importing and running matplotlib took longer than grading a notebook). The pages
need no network and no JavaScript.

`markdown_html` renders exactly the Markdown subset vg_grader.results writes (headings,
paragraphs, bullet lists, pipe tables, fenced code, block quotes, bold, emphasis, code
spans, backslash escapes, entities). It never passes raw HTML through: any "<" in the
text becomes "&lt;", so student text cannot inject markup into the pages.
"""

import collections
import html
import math
import os
import re
import statistics
import urllib.parse

from grader import results as results_format
from grader.results import inline, question_of

ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
ESCAPABLE = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1em; margin: 1.2em 0 .4em; } h4 { font-size: 1em; margin: 1em 0 .3em; }
table { border-collapse: collapse; margin: .6em 0; } th, td { border: 1px solid #d0d7de; padding: .25em .6em; }
th { background: #f6f8fa; text-align: left; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .6em .8em; overflow-x: auto; font-size: 13px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 .2em; }
pre code { background: none; padding: 0; }
blockquote { margin: .6em 0; padding: .3em .9em; border-left: 4px solid #0969da; background: #f0f6ff; }
.muted { color: #59636e; } .card { border: 1px solid #d0d7de; border-radius: 6px; margin: 1em 0; }
.card > header { display: flex; justify-content: space-between; gap: 1em; padding: .5em .9em;
                 background: #f6f8fa; border-bottom: 1px solid #d0d7de; font-weight: 600; }
.card > div { padding: .2em .9em .6em; } .passed { color: #1a7f37; } .failed { color: #cf222e; }
.badge { font-weight: 400; font-size: .85em; color: #59636e; }
.bar { display: inline-block; height: .8em; background: #0969da; vertical-align: middle; }
figure { margin: 1em 0; } figcaption { color: #59636e; font-size: .9em; }
"""


# -- Markdown subset → HTML ------------------------------------------------------------


def _inline_html(text):
    out, bold, emphasis, index = [], False, False, 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in ESCAPABLE:
            out.append(html.escape(text[index + 1]))
            index += 2
        elif char == "`":
            run = re.match(r"`+", text[index:]).group(0)
            end = text.find(run, index + len(run))
            while end != -1 and text[end + len(run):end + len(run) + 1] == "`":  # a longer run is not a match
                end = text.find(run, end + len(run) + 1)
            if end == -1:
                out.append(html.escape(run))
                index += len(run)
            else:
                content = text[index + len(run):end]
                if len(content) > 2 and content.startswith(" ") and content.endswith(" ") and content.strip():
                    content = content[1:-1]
                out.append(f"<code>{html.escape(content)}</code>")
                index = end + len(run)
        elif text.startswith("**", index):
            out.append("</strong>" if bold else "<strong>")
            bold = not bold
            index += 2
        elif char == "*":
            out.append("</em>" if emphasis else "<em>")
            emphasis = not emphasis
            index += 1
        elif char == "&":
            entity = ENTITY.match(text, index)
            out.append(entity.group(0) if entity else "&amp;")
            index += len(entity.group(0)) if entity else 1
        else:
            out.append(html.escape(char, quote=True))
            index += 1
    if emphasis:
        out.append("</em>")
    if bold:
        out.append("</strong>")
    return "".join(out)


def _cells(line):
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


def markdown_html(text):
    """HTML for the Markdown subset of vg_grader.results (see the module docstring)."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    out, index = [], 0

    def starts_block(line):
        return bool(re.match(r"^(`{3,}|#{1,6} |> |>$|- |\|)", line))

    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        fence = re.match(r"^(`{3,})", line)
        if fence:
            body, index = [], index + 1
            while index < len(lines) and not re.fullmatch(f"`{{{len(fence.group(1))},}}\\s*", lines[index]):
                body.append(lines[index])
                index += 1
            index += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(body))}</code></pre>")
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline_html(heading.group(2))}</h{level}>")
            index += 1
            continue
        if line.startswith("|") and index + 1 < len(lines) and re.fullmatch(r"\|[-:| ]+\|", lines[index + 1].strip()):
            aligns = ["right" if c.endswith(":") and not c.startswith(":") else
                      "center" if c.startswith(":") and c.endswith(":") else "left"
                      for c in _cells(lines[index + 1])]
            header = _cells(line)
            rows, index = [], index + 2
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            head = "".join(f'<th style="text-align:{a}">{_inline_html(c)}</th>' for c, a in zip(header, aligns))
            body = "".join("<tr>" + "".join(f'<td style="text-align:{a}">{_inline_html(c)}</td>'
                                            for c, a in zip(row, aligns)) + "</tr>" for row in rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            continue
        if line.startswith(">"):
            quoted = []
            while index < len(lines) and lines[index].startswith(">"):
                quoted.append(lines[index][1:].strip())
                index += 1
            out.append(f"<blockquote><p>{_inline_html(' '.join(quoted))}</p></blockquote>")
            continue
        if line.startswith("- "):
            items = []
            while index < len(lines) and lines[index].startswith("- "):
                items.append(f"<li>{_inline_html(lines[index][2:])}</li>")
                index += 1
            out.append(f"<ul>{''.join(items)}</ul>")
            continue
        paragraph = []
        while index < len(lines) and lines[index].strip() and not (paragraph and starts_block(lines[index])):
            paragraph.append(lines[index])
            index += 1
        out.append(f"<p>{_inline_html(' '.join(paragraph))}</p>")
    return "\n".join(out)


def _page(title, body):
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _num(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


# -- one student's feedback -------------------------------------------------------------


VISIBILITY_NOTE = {
    "visible": "shown at once",
    "after_published": "shown once grades are published",
    "after_due_date": "shown after the due date",
    "hidden": "never shown to students",
}


def feedback_page(stem, results):
    """The HTML feedback page of one submission: its results.json as Gradescope shows it."""
    if not results:
        body = (f"<h1>Feedback: {html.escape(stem)}</h1><p class=\"failed\">Not graded: the grader wrote no "
                "results for this submission (see the batch output).</p>")
        return _page(f"Feedback: {stem}", body)
    tests = results.get("tests", [])
    total = sum(float(test.get("max_score", 0) or 0) for test in tests)
    parts = [f"<h1>Feedback: {html.escape(stem)}</h1>",
             f"<p class=\"muted\">Autograded score {_num(results.get('score', 0))}"
             + (f" / {_num(total)}" if total else "") + ". The summary below is "
             + VISIBILITY_NOTE.get(results.get("visibility", "visible"), "shown") + " on Gradescope; each "
             "question's box is shown as marked.</p>",
             f"<section class=\"card\"><header><span>Autograder output</span><span class=\"badge\">"
             f"{VISIBILITY_NOTE.get(results.get('visibility', 'visible'), '')}</span></header>"
             f"<div>{_render_output(results.get('output', ''), results.get('output_format', 'text'))}</div></section>"]
    for test in tests:
        status = test.get("status") or ("passed" if test.get("score") == test.get("max_score") else "failed")
        score = _num(test.get("score", 0)) + (f" / {_num(test['max_score'])}" if "max_score" in test else "")
        fmt = test.get("output_format", results.get("test_output_format", "text"))
        name = html.escape(str(test.get("name", "")))
        note = VISIBILITY_NOTE.get(test.get("visibility", "visible"), "")
        parts.append(
            f"<section class=\"card\"><header><span class=\"{html.escape(status)}\">{name}: {score}</span>"
            f"<span class=\"badge\">{note}</span></header>"
            f"<div>{_render_output(test.get('output', ''), fmt)}</div></section>")
    return _page(f"Feedback: {stem}", "\n".join(parts))


def _render_output(text, fmt):
    if fmt == "md":
        return markdown_html(text)
    return f"<pre>{html.escape(str(text))}</pre>"


# -- charts -------------------------------------------------------------------------------


def histogram_counts(totals, max_total):
    """Edges and counts of totals in bins of one point (0-1, 1-2, ...; the last bin includes its top)."""
    top = max(1, math.ceil(max(max_total, max(totals, default=0))))
    counts = [0] * top
    for total in totals:
        counts[min(max(int(math.floor(float(total))), 0), top - 1)] += 1
    return [float(edge) for edge in range(top + 1)], counts


SVG_FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#1f2328"'


def histogram_html(totals, max_total):
    """The score distribution as inline SVG: one bar per point, the count as a tooltip."""
    edges, counts = histogram_counts(totals, max_total)
    caption = f"Total autograded score of {len(totals)} graded submissions (bins of 1 point, out of {_num(max_total)})."
    return f"<figure>{_svg_bars(edges, counts)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _svg_bars(edges, counts):
    width, height, left, bottom = 720, 240, 40, 30
    plot_w, plot_h = width - left - 10, height - bottom - 10
    top = max(max(counts, default=1), 1)
    bar_w = plot_w / max(len(counts), 1)
    parts = [f'<svg id="histogram" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="Histogram of total scores">',
             f'<line x1="{left}" y1="{10 + plot_h}" x2="{left + plot_w}" y2="{10 + plot_h}" stroke="#59636e"/>']
    for index, count in enumerate(counts):
        bar_h = plot_h * count / top
        x = left + index * bar_w
        parts.append(f'<rect x="{x:.1f}" y="{10 + plot_h - bar_h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                     f'height="{bar_h:.1f}" fill="#0969da"><title>{_num(edges[index])}-{_num(edges[index + 1])}: '
                     f'{int(count)}</title></rect>')
    step = max(1, len(counts) // 12)
    for index in range(0, len(edges), step):
        x = left + index * bar_w
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" {SVG_FONT} text-anchor="middle">'
                     f'{_num(edges[index])}</text>')
    parts.append(f'<text x="{left - 6}" y="16" {SVG_FONT} text-anchor="end">{top}</text>')
    parts.append(f'<text x="{left - 6}" y="{10 + plot_h}" {SVG_FONT} text-anchor="end">0</text></svg>')
    return "".join(parts)


def questions_chart_html(stats):
    """Mean score (% of the question's points) and full-marks rate per question, as inline SVG.

    The legend sits above the plot, so it never covers a bar."""
    if not stats:
        return ""
    series = [("mean_percent", "mean score (%)", "#0969da"), ("pass_rate", "full marks (% of students)", "#1a7f37")]
    width, left, legend_h, plot_h, bottom = 720, 40, 24, 180, 30
    plot_w = width - left - 10
    height = legend_h + plot_h + bottom
    group_w = plot_w / len(stats)
    bar_w = group_w * 0.35
    y0 = legend_h + plot_h  # the baseline (0 %)
    parts = [f'<svg id="questions-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="Mean score and full-marks rate per question">']
    x = left
    for _, label, colour in series:
        parts.append(f'<g class="legend"><rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="16" {SVG_FONT}>{html.escape(label)}</text></g>')
        x += 16 + 7 * len(label) + 24
    for percent in (0, 50, 100):
        y = y0 - plot_h * percent / 100
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d0d7de"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" {SVG_FONT} text-anchor="end">{percent}%</text>')
    for index, question in enumerate(stats):
        centre, name = left + (index + 0.5) * group_w, html.escape(str(question["question"]))
        for offset, (key, label, colour) in zip((-1, 0), series):
            value = min(max(float(question[key]), 0.0), 100.0)
            bar_h = plot_h * value / 100
            parts.append(f'<rect class="chart-bar" x="{centre + offset * bar_w:.1f}" y="{y0 - bar_h:.1f}" '
                         f'width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{colour}">'
                         f'<title>{name}: {html.escape(label)} {value:.0f}</title></rect>')
        parts.append(f'<text x="{centre:.1f}" y="{y0 + 18}" {SVG_FONT} text-anchor="middle">{name}</text>')
    parts.append("</svg>")
    return (f"<figure>{''.join(parts)}<figcaption>Per question: mean score and share of students with full marks."
            "</figcaption></figure>")


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


def _hint_html(hint):
    """A hint (plain text from a test message, `code` included) as safe inline HTML."""
    return _inline_html(inline(hint))  # the same escaping as the students' feedback


def _table(header, rows, numeric=()):
    head = "".join(f'<th class="{"num" if i in numeric else ""}">{html.escape(h)}</th>' for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td class="{"num" if i in numeric else ""}">{cell}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _students_html(students):
    """Each student of a submission on a line: name, email, SID (escaped: they are student strings)."""
    lines = [", ".join(html.escape(str(student.get(key) or "")) for key in ("name", "email", "sid")
                       if student.get(key)) for student in students]
    return "<br>".join(line for line in lines if line)


def class_report(records, questions, cases_by_question, title="Class report", feedback_dir="feedback",
                 generated="", not_graded=()):
    """report.html: distribution, per-question statistics, common failures, submissions."""
    stats = class_statistics(records, questions, cases_by_question)
    esc = html.escape
    parts = [f"<h1>{esc(title)}</h1>",
             f"<p class=\"muted\">{stats['graded']} of {stats['submissions']} submissions graded"
             + (f"; {esc(generated)}" if generated else "") + ".</p>"]
    for line in isolation_summary(records):
        parts.append(f"<p class=\"{'failed' if line.startswith('WARNING') else 'muted'}\">{esc(line)}</p>")
    if stats["not_graded"]:
        parts.append("<p class=\"failed\">Not graded (see the batch output): "
                     + ", ".join(esc(s) for s in stats["not_graded"]) + "</p>")
    if not_graded:
        parts.append("<h2>Not graded</h2><p class=\"muted\">Inputs this run could not grade (also in "
                     "<code>not_graded.csv</code>):</p>")
        parts.append(_table(["input", "reason"], [[esc(item["input"]), esc(item["reason"])] for item in not_graded]))
    parts.append("<h2>Score distribution</h2>")
    parts.append(_table(["graded", "mean", "median", "std. dev.", "min", "max", "out of"],
                        [[str(stats["graded"]), _num(round(stats["mean"], 2)), _num(stats["median"]),
                          _num(round(stats["stdev"], 2)), _num(stats["min"]), _num(stats["max"]),
                          _num(stats["max_total"])]], numeric=range(7)))
    parts.append(histogram_html(stats["totals"], stats["max_total"]))

    parts.append("<h2>Questions</h2>")
    rows = [[f"<code>{esc(q['question'])}</code>", _num(q["points"]), _num(round(q["mean"], 2)),
             f"{q['mean_percent']:.0f}%", f"{q['pass_rate']:.0f}% ({q['full_marks']})",
             f'<span class="bar" style="width:{q["mean_percent"] * 1.5:.0f}px"></span>']
            for q in stats["questions"]]
    parts.append(_table(["question", "points", "mean", "mean %", "pass rate (full marks)", ""], rows,
                        numeric=(1, 2, 3, 4)))
    parts.append(questions_chart_html(stats["questions"]))

    parts.append("<h2>Most common failing checks</h2>")
    parts.append("<p class=\"muted\">Which checks the class failed most, with the hints students got on the "
                 "public ones: the mistakes the class made. Hidden checks show no hints.</p>")
    rows = []
    for case in stats["common_failures"][:15]:
        hints = "".join(f"<li>{_hint_html(hint)} <span class=\"muted\">({count})</span></li>"
                        for hint, count in case["hints"])
        kind = "hidden" if case["hidden"] else ("public preview" if not case["points"] else "public")
        rows.append([f"<code>{esc(case['question'])}</code>", esc(case["description"]), kind,
                     f"{case['failed']} ({case['percent']:.0f}%)", f"<ul>{hints}</ul>" if hints else ""])
    parts.append(_table(["question", "check", "kind", "failed by", "hints given (students)"], rows, numeric=(3,))
                 if rows else "<p>No check failed.</p>")

    parts.append("<h2>Mistakes named by the hints</h2>")
    rows = [[_hint_html(m["hint"]), ", ".join(f"<code>{esc(q)}</code>" for q in m["questions"]), str(m["students"])]
            for m in stats["mistakes"][:25]]
    parts.append(_table(["hint", "question", "students"], rows, numeric=(2,)) if rows
                 else "<p>No hint was given.</p>")

    if stats["notebook_problems"]:
        parts.append("<h2>Notebooks with problems</h2><p>Cells that raised, were stopped or skipped (see each "
                     "feedback page): " + ", ".join(esc(s) for s in stats["notebook_problems"]) + "</p>")

    parts.append("<h2>Submissions</h2>")
    names = [name for name, _ in questions]
    identified = any(record.get("students") or record.get("submission_id") for record in records)
    identity_header = ["students (name, email, SID)", "submission id"] if identified else []
    rows = []
    for record in records:
        results, stem = record["results"], record["stem"]
        target = urllib.parse.quote(os.fsencode(record.get("file", stem)))  # the file's own bytes
        link = f'<a href="{esc(feedback_dir)}/{esc(target)}.html">{esc(stem)}</a>'
        identity = [_students_html(record.get("students") or []), esc(record.get("submission_id") or "")]
        identity = identity if identified else []
        if results and results.get("tests"):
            scores = results_format.question_scores(results)
            rows.append([link] + identity + [_num(scores.get(n, 0)) for n in names] + [_num(results.get("score", 0))])
        else:
            rows.append([link] + identity + ["" for _ in names] + ["not graded"])
    first = 1 + len(identity_header)
    parts.append(_table(["submission"] + identity_header + names + ["total"], rows,
                        numeric=range(first, first + len(names) + 1)))
    return _page(title, "\n".join(parts))
