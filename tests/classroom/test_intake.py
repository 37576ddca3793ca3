"""`make grade` takes what Gradescope hands in and out, and keeps OUT to one run's files.

Inputs: plain notebooks, the zips of Otter's grader.export() (the notebook, .OTTER_LOG and
__zip_filename__, as otter/check/notebook.py writes them), and a Gradescope submissions
export (Review Grades -> Export Submissions), built here from its documented layout: a zip
holding assignment_<id>_export/ with submission_metadata.yml (folder name -> :submitters:
with :name:, :email:, :sid:) and a folder submission_<id>/ per submission with the uploaded
files. Everything else must be listed as not graded, with the reason.
"""

import csv
import io
import json
import zipfile

import nbformat
import pytest

from classroom import intake

from ..conftest import BANK, make_grade, with_cell_replaced

NOTEBOOK = "vanishing_gradients.ipynb"
IDENTITY = ["submission_id", "name", "email", "sid"]
HOSTILE_NAME = "<script>alert(1)</script> Mallory"
# submission folder -> its submitters; 1004 is listed but its folder is missing from the export.
SUBMITTERS = {
    "submission_1001": [("Ada Lovelace", "ada@example.edu", "S001")],
    "submission_1002": [("Grace Hopper", "grace@example.edu", "S002"), ("Alan Turing", "alan@example.edu", "S003")],
    "submission_1003": [(HOSTILE_NAME, "mallory@example.edu", "S004")],
    "submission_1004": [("Never Uploaded", "late@example.edu", "S005")],
}


def text(notebook):
    return nbformat.writes(notebook)


def export_zip(notebook_text):
    """The bytes of a zip as Otter's grader.export(pdf=False) writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(NOTEBOOK, notebook_text)
        archive.writestr(".OTTER_LOG", b"\x80\x04binary log")
        archive.writestr("__zip_filename__", "vanishing_gradients_2026_01_01T10_00_00_000000.zip")
    return buffer.getvalue()


def metadata_yaml(submitters):
    """submission_metadata.yml as Gradescope writes it (Ruby symbols as keys)."""
    lines = []
    for folder, people in submitters.items():
        lines += [f"{folder}:", "  :submitters:"]
        for name, email, sid in people:
            lines += [f"  - :name: {json.dumps(name)}", f"    :sid: '{sid}'", f"    :email: {email}"]
        lines += ["  :created_at: 2026-01-10 23:59:01.123456000 -08:00", "  :score: 24.0", "  :status: processed",
                  "  :results:", "    score: 24.0", "  :history: []"]
    return "\n".join(lines) + "\n"


def gradescope_export(uploads, submitters=SUBMITTERS, root="assignment_4242_export"):
    """{archive name: bytes} of a Gradescope export: uploads is {folder: {file name: bytes}}."""
    files = {f"{root}/submission_metadata.yml": metadata_yaml(submitters).encode()}
    for folder, contents in uploads.items():
        files.update({f"{root}/{folder}/{name}": data for name, data in contents.items()})
    return files


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def write_folder(path, files):
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def grade_local(dist, submissions, out):
    completed = make_grade(dist, submissions, out)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def uploads(solution_notebook):
    wrong = (BANK / "prod" / "wrong_transposed_jacobian.py").read_text()
    wrong_prod = with_cell_replaced(solution_notebook, "prod", wrong)
    return {
        "submission_1001": {NOTEBOOK: text(solution_notebook).encode()},
        "submission_1002": {"vanishing_gradients_2026_01_10T23_00_00_000000.zip": export_zip(text(wrong_prod))},
        "submission_1003": {"answers.pdf": b"%PDF-1.4 not a notebook"},
    }


@pytest.fixture(scope="module")
def mixed(dist, solution_notebook, student_notebook, uploads, tmp_path_factory):
    """make grade on a folder of everything at once: notebooks, export zips, a Gradescope export, junk."""
    folder = tmp_path_factory.mktemp("mixed")
    out = tmp_path_factory.mktemp("mixed-out")
    nbformat.write(solution_notebook, folder / "alice.ipynb")
    nbformat.write(student_notebook, folder / "blank.ipynb")
    (folder / "bob_export.zip").write_bytes(export_zip(text(solution_notebook)))
    write_zip(folder / "gradescope_export.zip", gradescope_export(uploads))
    (folder / "notes.txt").write_text("remember to grade")
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    write_zip(folder / "slides.zip", {"slides.pdf": b"%PDF"})
    (folder / "drafts").mkdir()
    stdout = grade_local(dist, folder, out)
    return {"out": out, "stdout": stdout, "grades": read_csv(out / "grades.csv"),
            "not_graded": read_csv(out / "not_graded.csv"), "import": read_csv(out / "gradescope_import.csv"),
            "report": (out / "report.html").read_text(encoding="utf-8")}


def test_one_row_per_student_with_identity(mixed, question_points):
    """Does grades.csv hold one row per student (one per plain notebook), with name, email, SID and submission id?"""
    rows = {(row["submission"], row["email"]): row for row in mixed["grades"]}
    full = str(sum(question_points.values()))
    assert sorted(rows) == sorted([
        ("alice", ""), ("blank", ""), ("bob_export", ""),
        ("submission_1001", "ada@example.edu"),
        ("submission_1002", "grace@example.edu"), ("submission_1002", "alan@example.edu"),
        ("submission_1003", "mallory@example.edu"),
    ])
    assert list(mixed["grades"][0]) == ["submission", *IDENTITY, *question_points, "total"]
    assert rows[("alice", "")]["total"] == full and rows[("bob_export", "")]["total"] == full
    assert rows[("blank", "")]["total"] == "0"
    ada = rows[("submission_1001", "ada@example.edu")]
    assert (ada["submission_id"], ada["name"], ada["sid"], ada["total"]) == ("1001", "Ada Lovelace", "S001", full)
    grace, alan = rows[("submission_1002", "grace@example.edu")], rows[("submission_1002", "alan@example.edu")]
    assert grace["sid"] == "S002" and alan["name"] == "Alan Turing" and alan["sid"] == "S003"
    assert grace["total"] == alan["total"] and float(grace["prod"]) < question_points["prod"]
    assert float(grace["total"]) == sum(question_points.values()) - question_points["prod"] + float(grace["prod"])
    assert rows[("submission_1003", "mallory@example.edu")]["total"] == "0"
    assert sorted(path.stem for path in mixed["out"].glob("*.json")) == sorted(
        {submission for submission, _ in rows})  # plain notebooks keep OUT/<stem>.json


def test_everything_not_graded_is_listed_with_its_reason(mixed):
    """Is every input that could not be graded listed, with why, in not_graded.csv, the summary and the report?"""
    reasons = {row["input"]: row["reason"] for row in mixed["not_graded"]}
    export = "gradescope_export.zip/assignment_4242_export"
    assert sorted(reasons) == sorted(["broken.zip", "drafts", "notes.txt", "slides.zip",
                                      f"{export}/submission_1003", f"{export}/submission_1004"])
    assert "not a readable zip" in reasons["broken.zip"]
    assert "no notebook" in reasons["slides.zip"]
    assert "submission_metadata.yml" in reasons["drafts"]
    assert "not a submission" in reasons["notes.txt"]
    missing, unreadable = reasons[f"{export}/submission_1004"], reasons[f"{export}/submission_1003"]
    assert "Never Uploaded" in missing and "missing" in missing
    assert "scored 0" in unreadable and "no notebook" in unreadable
    for item, reason in reasons.items():
        assert f"  {item}: {reason}" in mixed["stdout"]
    assert mixed["stdout"].splitlines()[-1].startswith("Wrote 6 results, grades.csv (7 rows)")
    assert "Not graded" in mixed["report"] and "notes.txt" in mixed["report"]


def test_gradescope_import_csv(mixed):
    """Does gradescope_import.csv give Name, SID, Email and the autograded score of every identified student?"""
    rows = {row["Email"]: row for row in mixed["import"]}
    assert list(mixed["import"][0]) == ["Name", "SID", "Email", "Score"]
    assert sorted(rows) == ["ada@example.edu", "alan@example.edu", "grace@example.edu", "mallory@example.edu"]
    by_email = {row["email"]: row["total"] for row in mixed["grades"] if row["email"]}
    assert all(rows[email]["Score"] == by_email[email] for email in rows)
    assert rows["ada@example.edu"]["SID"] == "S001" and rows["mallory@example.edu"]["Name"] == HOSTILE_NAME


def test_report_names_the_students(mixed):
    """Does report.html show each submission's students and submission id, with student strings escaped?"""
    page = mixed["report"]
    assert "Ada Lovelace, ada@example.edu, S001" in page and "Grace Hopper" in page and "Alan Turing" in page
    assert "<td class=\"\">1002</td>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in page


def test_a_gradescope_export_folder_or_zip_gives_the_same_roster(uploads, tmp_path):
    """Is a Gradescope export read the same as a folder, as its zip, and as SUBMISSIONS itself?"""
    files = gradescope_export(uploads)
    as_zip = intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "a")
    (tmp_path / "unzipped").mkdir()
    as_folder = intake.stage(write_folder(tmp_path / "unzipped", files), tmp_path / "b")
    itself = intake.stage(tmp_path / "unzipped" / "assignment_4242_export", tmp_path / "c")

    def roster(staged):
        return [(s["stem"], s["submission_id"], s["students"]) for s in staged.submissions]

    assert roster(as_zip) == roster(as_folder) == roster(itself)
    assert [stem for stem, _, _ in roster(itself)] == ["submission_1001", "submission_1002", "submission_1003"]
    assert roster(itself)[1][2] == [{"name": "Grace Hopper", "email": "grace@example.edu", "sid": "S002"},
                                    {"name": "Alan Turing", "email": "alan@example.edu", "sid": "S003"}]
    assert itself.submissions[0]["students"][0]["name"] == "Ada Lovelace"
    assert sorted(p.name for p in (itself.folder / "submission_1002").iterdir()) == sorted(uploads["submission_1002"])


def test_unsafe_paths_in_an_export_zip_stay_inside(uploads, tmp_path):
    """Can a member path of an export zip ('../', absolute) write outside the staging folder?"""
    files = gradescope_export(uploads)
    files["/".join(["..", "escaped.txt"])] = b"x"
    files["/tmp/escaped-absolute.txt"] = b"x"
    intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "stage")
    assert not (tmp_path / "escaped.txt").exists() and not list(tmp_path.rglob("escaped-absolute.txt"))


def test_unreadable_metadata_still_grades_and_says_so(uploads, tmp_path):
    """With a broken submission_metadata.yml, are the submissions still staged and the problem listed?"""
    files = gradescope_export(uploads)
    files["assignment_4242_export/submission_metadata.yml"] = b"submission_1001: [unclosed"
    staged = intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "stage")
    assert [s["students"] for s in staged.submissions] == [[], [], []]
    assert any("could not be read" in item["reason"] and "without names" in item["reason"]
               for item in staged.not_graded)


def test_stems_stay_unique(tmp_path, solution_notebook):
    """Do a notebook and an export zip of one name get results of their own (the notebook keeping its stem)?"""
    source = tmp_path / "in"
    source.mkdir()
    nbformat.write(solution_notebook, source / "alice.ipynb")
    (source / "alice.zip").write_bytes(export_zip(text(solution_notebook)))
    staged = intake.stage(source, tmp_path / "stage")
    stems = [(s["stem"], s["input"]) for s in staged.submissions]
    assert stems == [("alice", "alice.ipynb"), ("alice-zip", "alice.zip")]


@pytest.mark.slow
def test_rerun_into_a_used_out_leaves_exactly_this_runs_files(dist, solution_notebook, student_notebook, tmp_path):
    """After a second run into one OUT, are the first run's other results gone, foreign files kept, both said?"""
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    for stem in ("ann", "ben", "cat"):
        nbformat.write(solution_notebook, first / f"{stem}.ipynb")
    nbformat.write(student_notebook, second / "ben.ipynb")
    grade_local(dist, first, out)
    (out / "my_notes.txt").write_text("the instructor's own file")
    stdout = grade_local(dist, second, out)
    files = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    assert files == sorted([".make-grade-outputs.txt", "ben.json", "feedback/ben.html", "grades.csv",
                            "gradescope_import.csv", "my_notes.txt", "not_graded.csv", "report.html"])
    assert [row["submission"] for row in read_csv(out / "grades.csv")] == ["ben"]
    assert json.loads((out / "ben.json").read_text())["score"] == 0
    removed = next(line for line in stdout.splitlines() if line.startswith("Removed 4 file(s)"))
    assert all(name in removed for name in ("ann.json", "cat.json", "feedback/ann.html", "feedback/cat.html"))
    assert "Left alone in OUT (1 file(s) this tool did not write): my_notes.txt" in stdout
