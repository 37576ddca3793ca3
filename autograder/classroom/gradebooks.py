"""The CSV files of `make grade`: the grades, a score import for Gradescope or an LMS, and what was not graded.

    grades.csv              submission,submission_id,name,email,sid,<question>...,total: one row per
                            student (per submission when no student is known); empty scores when not graded
    gradescope_import.csv   Name,SID,Email,Score: the autograded total of every student with an email or SID
    not_graded.csv          input,reason: everything the run could not grade

Every cell goes through safe_text.csv_cell: student names and file names never read as formulas.
"""

import csv

from grader import results, safe_text

FILES = ("grades.csv", "gradescope_import.csv", "not_graded.csv")
IDENTITY = ["submission_id", "name", "email", "sid"]


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([safe_text.csv_cell(cell) for cell in row] for row in rows)


def grade_rows(records, questions):
    """grades.csv's rows: records are [{"stem", "submission_id", "students", "results"}] (results None: not graded)."""
    rows = []
    for record in records:
        scores = results.question_scores(record["results"])
        for student in record["students"] or [{}]:  # a group: one row per student
            identity = [record["submission_id"]] + [student.get(key, "") for key in IDENTITY[1:]]
            if record["results"] is None:
                rows.append([record["stem"], *identity, *["" for _ in questions], ""])
            else:
                rows.append([record["stem"], *identity, *[results.points(scores.get(q, 0)) for q in questions],
                             record["results"].get("score", "")])
    return rows


def import_rows(records):
    """gradescope_import.csv's rows: students matched by email or SID."""
    return [[student.get("name", ""), student.get("sid", ""), student.get("email", ""),
             record["results"].get("score", "")]
            for record in records if record["results"] is not None
            for student in record["students"] if student.get("email") or student.get("sid")]


def write(out_dir, records, questions, not_graded):
    """Write the three files into out_dir; returns {file name: number of rows}."""
    tables = {
        "grades.csv": (["submission", *IDENTITY, *questions, "total"], grade_rows(records, questions)),
        "gradescope_import.csv": (["Name", "SID", "Email", "Score"], import_rows(records)),
        "not_graded.csv": (["input", "reason"], [[item["input"], item["reason"]] for item in not_graded]),
    }
    for name, (header, rows) in tables.items():
        _write_csv(out_dir / name, header, rows)
    return {name: len(rows) for name, (_, rows) in tables.items()}
