"""`make grade` takes what Gradescope hands in and out, and keeps OUT to one run's files.

Inputs: plain notebooks, the zips of Otter's grader.export() (the notebook, .OTTER_LOG and
__zip_filename__, as otter/check/notebook.py writes them), and a Gradescope submissions
export (Review Grades -> Export Submissions), built here from its documented layout: a zip
holding assignment_<id>_export/ with submission_metadata.yml (folder name -> :submitters:
with :name:, :email:, :sid:) and a folder submission_<id>/ per submission with the uploaded
files. Everything else must be listed as not graded, with the reason. Names, emails and SIDs
come only from an export given as SUBMISSIONS itself: what a student uploads never writes the
roster, never stops the class's grading, and leaves nothing in the temporary folder.
"""

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest
import yaml

from classroom import export_metadata, intake

from ..conftest import BANK, make_grade_command, with_cell_replaced

NOTEBOOK = "vanishing_gradients.ipynb"
METADATA = intake.METADATA
IDENTITY = ["submission_id", "name", "email", "sid"]
HOSTILE_NAME = "<script>alert(1)</script> Mallory"
# submission folder -> its submitters; 1004 is listed but its folder is missing from the export.
SUBMITTERS = {
    "submission_1001": [("Ada Lovelace", "ada@example.edu", "S001")],
    "submission_1002": [("Grace Hopper", "grace@example.edu", "S002"), ("Alan Turing", "alan@example.edu", "S003")],
    "submission_1003": [(HOSTILE_NAME, "mallory@example.edu", "S004")],
    "submission_1004": [("Never Uploaded", "late@example.edu", "S005")],
    "submission_1005": [("Eve Forger", "eve@example.edu", "S006")],
}
# What a student's upload claims about who submitted it: never in a gradebook.
FORGED = {
    "submission_1001": [("Victim Zero", "victim@example.edu", "V001")],
    "mallory_export": [("Friend Full", "friend@example.edu", "V002"), ("Friend Two", "friend2@example.edu", "V003")],
    "submission_1005": [("Friend Full", "friend@example.edu", "V002")],
}
FORGED_TEXT = ["Victim", "victim@example.edu", "V001", "Friend", "friend@example.edu", "V002", "V003"]


def text(notebook):
    return nbformat.writes(notebook)


def export_zip(notebook_text, extra=None):
    """The bytes of a zip as Otter's grader.export(pdf=False) writes it, with `extra` files ({name: bytes})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(NOTEBOOK, notebook_text)
        archive.writestr(".OTTER_LOG", b"\x80\x04binary log")
        archive.writestr("__zip_filename__", "vanishing_gradients_2026_01_01T10_00_00_000000.zip")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def forged_zip(notebook_text):
    """A grader.export() zip that also carries a submission_metadata.yml of its own, as a student could make it."""
    return export_zip(notebook_text, {METADATA: metadata_yaml(FORGED).encode(),
                                      f"assignment_1_export/{METADATA}": metadata_yaml(FORGED).encode()})


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


def grade_local_command(dist, submissions, out, temporary=None):
    """(command, environment) of make grade; `temporary` becomes its TMPDIR."""
    environment = dict(os.environ, **({"TMPDIR": str(temporary)} if temporary else {}))
    return make_grade_command(dist, submissions, out), environment


def grade_local(dist, submissions, out, temporary=None):
    command, environment = grade_local_command(dist, submissions, out, temporary)
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
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
        "submission_1005": {"vanishing_gradients.zip": forged_zip(text(solution_notebook)),
                            METADATA: metadata_yaml(FORGED).encode()},
    }


def outputs(out, stdout):
    return {"out": out, "stdout": stdout, "grades": read_csv(out / "grades.csv"),
            "not_graded": read_csv(out / "not_graded.csv"), "import": read_csv(out / "gradescope_import.csv"),
            "report": (out / "report.html").read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def mixed(dist, solution_notebook, student_notebook, uploads, tmp_path_factory):
    """make grade on a folder of uploads of every kind, junk, a student's zip that carries a roster of its own,
    and an unzipped Gradescope export inside it."""
    folder = tmp_path_factory.mktemp("mixed")
    out = tmp_path_factory.mktemp("mixed-out")
    nbformat.write(solution_notebook, folder / "alice.ipynb")
    nbformat.write(student_notebook, folder / "blank.ipynb")
    (folder / "bob_export.zip").write_bytes(export_zip(text(solution_notebook)))
    (folder / "mallory_export.zip").write_bytes(forged_zip(text(solution_notebook)))
    write_folder(folder, gradescope_export({"submission_1001": uploads["submission_1001"]}, FORGED,
                                           root="assignment_7_export"))
    (folder / "notes.txt").write_text("remember to grade")
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    write_zip(folder / "slides.zip", {"slides.pdf": b"%PDF"})
    (folder / "drafts").mkdir()
    return outputs(out, grade_local(dist, folder, out))


@pytest.fixture(scope="module")
def exported(dist, uploads, tmp_path_factory):
    """make grade SUBMISSIONS=export.zip: a Gradescope export, one of whose uploads carries a roster of its own."""
    out = tmp_path_factory.mktemp("exported-out")
    export = write_zip(tmp_path_factory.mktemp("exported") / "gradescope_export.zip", gradescope_export(uploads))
    return outputs(out, grade_local(dist, export, out))


def test_one_row_per_student_with_identity(exported, question_points):
    """Does grades.csv hold one row per student of a Gradescope export, with name, email, SID and submission id?"""
    rows = {(row["submission"], row["email"]): row for row in exported["grades"]}
    full = str(sum(question_points.values()))
    assert sorted(rows) == sorted([
        ("submission_1001", "ada@example.edu"),
        ("submission_1002", "grace@example.edu"), ("submission_1002", "alan@example.edu"),
        ("submission_1003", "mallory@example.edu"), ("submission_1005", "eve@example.edu"),
    ])
    assert list(exported["grades"][0]) == ["submission", *IDENTITY, *question_points, "total"]
    ada = rows[("submission_1001", "ada@example.edu")]
    assert (ada["submission_id"], ada["name"], ada["sid"], ada["total"]) == ("1001", "Ada Lovelace", "S001", full)
    grace, alan = rows[("submission_1002", "grace@example.edu")], rows[("submission_1002", "alan@example.edu")]
    assert grace["sid"] == "S002" and alan["name"] == "Alan Turing" and alan["sid"] == "S003"
    assert grace["total"] == alan["total"] and float(grace["prod"]) < question_points["prod"]
    assert float(grace["total"]) == sum(question_points.values()) - question_points["prod"] + float(grace["prod"])
    assert rows[("submission_1003", "mallory@example.edu")]["total"] == "0"
    eve = rows[("submission_1005", "eve@example.edu")]
    assert (eve["name"], eve["sid"], eve["total"]) == ("Eve Forger", "S006", full)  # its upload, graded as it is
    assert sorted(path.stem for path in exported["out"].glob("*.json")) == sorted({s for s, _ in rows})


def test_uploads_are_graded_without_identity(mixed, question_points):
    """In a folder of uploads, does each notebook and grader.export() zip get one row, no name, its own stem,
    a zip carrying a roster of its own included?"""
    rows = {row["submission"]: row for row in mixed["grades"]}
    full = str(sum(question_points.values()))
    assert sorted(rows) == ["alice", "blank", "bob_export", "mallory_export"]
    assert all(row[field] == "" for row in rows.values() for field in IDENTITY)
    assert rows["alice"]["total"] == rows["bob_export"]["total"] == rows["mallory_export"]["total"] == full
    assert rows["blank"]["total"] == "0"
    assert mixed["import"] == []
    assert sorted(path.stem for path in mixed["out"].glob("*.json")) == sorted(rows)  # OUT/<stem>.json


def test_no_forged_identity_reaches_a_gradebook(mixed, exported):
    """Does no name, email or SID that a student's upload claims reach grades.csv, gradescope_import.csv or
    the report, whether the upload is in a folder of uploads or in a Gradescope export?"""
    for run in (mixed, exported):
        books = [(run["out"] / name).read_text(encoding="utf-8") for name in ("grades.csv", "gradescope_import.csv")]
        for forged in FORGED_TEXT:
            assert not any(forged in book for book in books + [run["report"]]), forged


def test_everything_not_graded_is_listed_with_its_reason(mixed, exported):
    """Is every input that could not be graded listed, with why, in not_graded.csv, the summary and the report,
    the rosters found in students' uploads or inside SUBMISSIONS among them?"""
    reasons = {row["input"]: row["reason"] for row in mixed["not_graded"]}
    assert sorted(reasons) == sorted(["assignment_7_export", "broken.zip", "drafts", "mallory_export.zip/" + METADATA,
                                      f"mallory_export.zip/assignment_1_export/{METADATA}", "notes.txt", "slides.zip"])
    assert "not a readable zip" in reasons["broken.zip"]
    assert "no notebook" in reasons["slides.zip"]
    assert "put each student's" in reasons["drafts"]
    assert "export inside SUBMISSIONS" in reasons["assignment_7_export"] and "SUBMISSIONS itself" in reasons[
        "assignment_7_export"]
    assert reasons["mallory_export.zip/" + METADATA].startswith("ignored") and "graded" in reasons[
        "mallory_export.zip/" + METADATA]
    assert "not a submission" in reasons["notes.txt"]
    for item, reason in reasons.items():
        assert f"  {item}: {reason}" in mixed["stdout"]
    assert mixed["stdout"].splitlines()[-1].startswith("Wrote 4 results, grades.csv (4 rows)")
    assert "Not graded" in mixed["report"] and "notes.txt" in mixed["report"]

    reasons = {row["input"]: row["reason"] for row in exported["not_graded"]}
    export = "gradescope_export.zip/assignment_4242_export"
    forged = [f"{export}/submission_1005/{METADATA}", f"{export}/submission_1005/vanishing_gradients.zip/{METADATA}",
              f"{export}/submission_1005/vanishing_gradients.zip/assignment_1_export/{METADATA}"]
    assert sorted(reasons) == sorted([f"{export}/submission_1003", f"{export}/submission_1004", *forged])
    missing, unreadable = reasons[f"{export}/submission_1004"], reasons[f"{export}/submission_1003"]
    assert "Never Uploaded" in missing and "missing" in missing
    assert "scored 0" in unreadable and "no notebook" in unreadable
    assert all(reasons[item].startswith("ignored") for item in forged)
    assert exported["stdout"].splitlines()[-1].startswith("Wrote 4 results, grades.csv (5 rows)")


def test_gradescope_import_csv(exported):
    """Does gradescope_import.csv give Name, SID, Email and the autograded score of every identified student?"""
    rows = {row["Email"]: row for row in exported["import"]}
    assert list(exported["import"][0]) == ["Name", "SID", "Email", "Score"]
    assert sorted(rows) == ["ada@example.edu", "alan@example.edu", "eve@example.edu", "grace@example.edu",
                            "mallory@example.edu"]
    by_email = {row["email"]: row["total"] for row in exported["grades"] if row["email"]}
    assert all(rows[email]["Score"] == by_email[email] for email in rows)
    assert rows["ada@example.edu"]["SID"] == "S001" and rows["mallory@example.edu"]["Name"] == HOSTILE_NAME


def test_report_names_the_students(exported):
    """Does report.html show each submission's students and submission id, with student strings escaped?"""
    page = exported["report"]
    assert "Ada Lovelace, ada@example.edu, S001" in page and "Grace Hopper" in page and "Alan Turing" in page
    assert "<td class=\"\">1002</td>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in page


def test_a_gradescope_export_zip_or_folder_gives_the_same_roster(uploads, tmp_path):
    """Is a Gradescope export read the same as its zip and as its folder, given as SUBMISSIONS, and is a folder
    that holds an export (not SUBMISSIONS itself) not read as one?"""
    files = gradescope_export(uploads)
    as_zip = intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "a")
    (tmp_path / "unzipped").mkdir()
    around = intake.stage(write_folder(tmp_path / "unzipped", files), tmp_path / "b")
    itself = intake.stage(tmp_path / "unzipped" / "assignment_4242_export", tmp_path / "c")

    def roster(staged):
        return [(s["stem"], s["submission_id"], s["students"]) for s in staged.submissions]

    assert roster(as_zip) == roster(itself)
    assert [stem for stem, _, _ in roster(itself)] == ["submission_1001", "submission_1002", "submission_1003",
                                                       "submission_1005"]
    assert roster(itself)[1][2] == [{"name": "Grace Hopper", "email": "grace@example.edu", "sid": "S002"},
                                    {"name": "Alan Turing", "email": "alan@example.edu", "sid": "S003"}]
    assert itself.submissions[0]["students"][0]["name"] == "Ada Lovelace"
    assert sorted(p.name for p in (itself.folder / "submission_1002").iterdir()) == sorted(uploads["submission_1002"])
    assert around.submissions == [] and [item["input"] for item in around.not_graded] == ["assignment_4242_export"]


def test_an_export_zip_is_unpacked_once(uploads, tmp_path):
    """Does staging an export zip write each uploaded file exactly once (no second copy), and nothing else?"""
    files = gradescope_export(uploads)
    intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "stage")
    written = sorted(path.relative_to(tmp_path / "stage").as_posix() for path in (tmp_path / "stage").rglob("*")
                     if path.is_file())
    uploaded = {f"submissions/{name.split('/', 1)[1]}": data for name, data in files.items()
                if name.count("/") > 1}  # the files below the export's submission folders
    assert written == sorted(uploaded)
    assert all((tmp_path / "stage" / name).read_bytes() == data for name, data in uploaded.items())


def test_unsafe_paths_in_an_export_zip_stay_inside(uploads, tmp_path):
    """Can a member path of an export zip ('../', absolute) write outside the staging folder?"""
    files = gradescope_export(uploads)
    files["/".join(["..", "escaped.txt"])] = b"x"
    files["/tmp/escaped-absolute.txt"] = b"x"
    intake.stage(write_zip(tmp_path / "export.zip", files), tmp_path / "stage")
    assert not (tmp_path / "escaped.txt").exists() and not list(tmp_path.rglob("escaped-absolute.txt"))


def alias_bomb(levels):
    """A few hundred bytes of YAML whose aliases expand to 10**levels names."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return ("\n".join(lines) + f"\nsubmission_1001:\n  :submitters:\n  - :name: *a{levels - 1}\n").encode()


def hostile_metadata(rng):
    """(label, bytes, why) of a submission_metadata.yml that is not a readable export: one of every kind of
    failure, each with random details, several of them in the shape of a real export around the fault."""
    depth = rng.randrange(export_metadata.MAX_DEPTH + 1, 200_000)
    good = metadata_yaml(SUBMITTERS)
    person = "submission_1001:\n  :submitters:\n  - :name: {}\n"
    return [
        ("alias bomb", alias_bomb(rng.randrange(3, 10)), "aliases"),
        ("one alias", good.encode() + b"copy: &c x\nagain: *c\n", "aliases"),
        ("deep flow nesting", b"submission_1001: " + b"[" * depth, "nested"),
        ("deep mappings", person.format("").encode() + "".join(
            " " * (6 + i) + f"k{i}:\n" for i in range(export_metadata.MAX_DEPTH + rng.randrange(1, 50))).encode(),
         "nested"),
        ("name is a list", person.format("[Ada, Lovelace]").encode(), "not text"),
        ("name is a mapping", person.format("{first: Ada}").encode(), "not text"),
        ("submitters a mapping", b"submission_1001:\n  :submitters:\n    :name: Ada\n", "not a list"),
        ("record a list", b"submission_1001: [1, 2]\n", "not a mapping"),
        ("a scalar", rng.choice([b"42", b"just text", b"~", b""]), "not a mapping"),
        ("a list", b"- submission_1001\n- submission_1002\n", "not a mapping"),
        ("repeated folder", (good + good.split("\n", 1)[0] + "\n  :submitters: []\n").encode(), "twice"),
        ("repeated field", person.format("Ada\n    :name: Eve").encode(), "twice"),
        ("huge field", person.format("A" * rng.randrange(export_metadata.MAX_FIELD_CHARS + 1, 10**6)).encode(),
         "longer than"),
        ("two documents", f"---\n{good}---\n{good}".encode(), "more than one"),
        ("not UTF-8", good.encode("utf-16"), "UTF-8"),
        ("not YAML", rng.choice([b"submission_1001: [unclosed", b"a: b: c", b"\t- x", b"@reserved"]), "not valid YAML"),
        ("a key that is a list", b"? [a, b]\n: x\n", "key of a mapping"),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_a_hostile_export_still_grades_the_class(uploads, seed, tmp_path):
    """With any submission_metadata.yml that is not a readable export (aliases, depth, types, repeats, huge
    fields, not YAML), are all the export's submissions still staged, in seconds, without names, and the
    problem listed as "not a readable Gradescope export"?"""
    rng = random.Random(seed)
    for label, data, why in hostile_metadata(rng):
        files = gradescope_export(uploads)
        files[f"assignment_4242_export/{METADATA}"] = data
        started = time.monotonic()
        staged = intake.stage(write_zip(tmp_path / f"{label}.zip", files), tmp_path / label)
        assert time.monotonic() - started < 5, label
        assert [s["stem"] for s in staged.submissions] == sorted(uploads), label
        assert all(s["students"] == [] for s in staged.submissions), label
        problems = [item for item in staged.not_graded if item["input"].endswith(f"assignment_4242_export/{METADATA}")]
        assert len(problems) == 1 and "not a readable Gradescope export" in problems[0]["reason"], (label, problems)
        assert why in problems[0]["reason"], (label, problems)


@pytest.mark.parametrize("parser", ["libyaml", "pure Python"])
def test_no_nesting_crashes_the_reader(parser, tmp_path):
    """Does a name nested a million levels deep (flow or block) give "not a readable export" with either
    YAML parser, in a process that survives (no segfault, no recursion error)?"""
    script = f"""
import sys
from classroom import export_metadata
if {parser == "pure Python"}:
    export_metadata.Parser = export_metadata.PurePythonParser
for data in (b"a: " + b"[" * 10**6, b"a:\\n" + b"".join(b" " * i + b"- \\n" for i in range(1, 3000))):
    try:
        export_metadata.parse(data)
    except export_metadata.ExportError as error:
        print("refused:", error)
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.count("refused: it is nested more than") == 2, completed.stdout


def random_text(rng):
    alphabet = "abcXYZ019 :-#&*!|>'\"%@`,[]{}?~éß漢😀\\"
    return " ".join("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 8))) for _ in range(rng.randrange(4)))


def random_roster(rng):
    roster = {}
    for index in range(rng.randrange(0, 30)):
        people = [{field: rng.choice([random_text(rng), str(rng.randrange(10**6)).zfill(7), "null", "yes", "~", ""])
                   for field in export_metadata.FIELDS} for _ in range(rng.randrange(0, 4))]
        roster[f"submission_{rng.randrange(10**8)}_{index}"] = people
    return roster


@pytest.mark.parametrize("parser", ["libyaml", "pure Python"])
def test_random_rosters_read_back_exactly(parser, monkeypatch):
    """Is any roster, written as YAML (names with YAML's special characters, SIDs with leading zeros, "null"
    or "yes" as names), read back as exactly its text, with either parser?"""
    if parser == "pure Python":
        monkeypatch.setattr(export_metadata, "Parser", export_metadata.PurePythonParser)
    rng = random.Random(1905)
    for _ in range(60):
        roster = random_roster(rng)
        document = {folder: {":submitters": [{f":{key}": value for key, value in person.items()} for person in people],
                             ":created_at": "2026-01-10 23:59:01", ":score": rng.random(),
                             ":results": {"tests": [{"score": 1.0, "output": random_text(rng)}]}}
                    for folder, people in roster.items()}
        text = yaml.safe_dump(document, allow_unicode=rng.random() < 0.5, default_flow_style=rng.choice([False, None]))
        expected = {folder: [{key: " ".join(value.split()) for key, value in person.items()} for person in people]
                    for folder, people in roster.items()}
        assert export_metadata.parse(text.encode()) == expected


def test_random_damage_is_read_or_refused_never_a_crash():
    """Is a real export's metadata with random bytes cut, repeated or replaced always either read or refused
    with ExportError, never another exception?"""
    rng = random.Random(42)
    good = metadata_yaml(SUBMITTERS).encode()
    outcomes = set()
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(data))
            choice = rng.randrange(3)
            if choice == 0:
                del data[at:at + rng.randrange(1, 20)]
            elif choice == 1:
                data[at:at] = data[at:at + rng.randrange(1, 40)] * rng.randrange(1, 5)
            else:
                data[at] = rng.choice(b"&*[]{}:-!|>'\"\t\n #%@\xff")
        try:
            export_metadata.parse(bytes(data))
            outcomes.add("read")
        except export_metadata.ExportError:
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}


def test_an_oversized_metadata_file_is_refused(monkeypatch):
    """Is a submission_metadata.yml above the size cap refused before it is parsed?"""
    monkeypatch.setattr(export_metadata, "MAX_BYTES", 100)
    with pytest.raises(export_metadata.ExportError, match="larger than"):
        export_metadata.parse(metadata_yaml(SUBMITTERS).encode())


@pytest.mark.parametrize("cap", ["each", "total"])
def test_staging_writes_at_most_its_caps(cap, tmp_path, monkeypatch):
    """With caps of a few MB, is a submission that unpacks beyond one (a zip bomb of zeros; or the class beyond
    the total) left out and listed, everything else staged, and no more than the cap ever written?"""
    monkeypatch.setattr(intake, "MAX_SUBMISSION_BYTES", 3 * 2**20 if cap == "each" else 100 * 2**20)
    monkeypatch.setattr(intake, "MAX_STAGED_BYTES", 100 * 2**20 if cap == "each" else 5 * 2**20)
    files = {f"e/{METADATA}": metadata_yaml({"submission_2": [("Bo Big", "bo@example.edu", "B1")]}).encode()}
    for number, size in enumerate([2**20, 50 * 2**20, 2**20, 2**20, 2**20, 2**20, 2**20], 1):
        files[f"e/submission_{number}/{NOTEBOOK}"] = b"0" * size
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert path.stat().st_size < 2**20
    staged = intake.stage(path, tmp_path / "stage")
    written = sum(p.stat().st_size for p in (tmp_path / "stage" / "submissions").rglob("*") if p.is_file())
    stems = [s["stem"] for s in staged.submissions]
    left_out = {item["input"]: item["reason"] for item in staged.not_graded}
    assert "export.zip/e/submission_2" in left_out and "Bo Big" in left_out["export.zip/e/submission_2"]
    if cap == "each":
        assert stems == ["submission_1", *[f"submission_{n}" for n in range(3, 8)]] and written == 6 * 2**20
        assert "more than 3 MB" in left_out["export.zip/e/submission_2"]
    else:
        assert stems == [f"submission_{n}" for n in (1, 3, 4, 5, 6)] and written == 5 * 2**20
        assert "more than 5 MB in all" in left_out["export.zip/e/submission_7"]


def test_stems_stay_unique(tmp_path, solution_notebook):
    """Do a notebook and an export zip of one name get results of their own (the notebook keeping its stem)?"""
    source = tmp_path / "in"
    source.mkdir()
    nbformat.write(solution_notebook, source / "alice.ipynb")
    (source / "alice.zip").write_bytes(export_zip(text(solution_notebook)))
    staged = intake.stage(source, tmp_path / "stage")
    stems = [(s["stem"], s["input"]) for s in staged.submissions]
    assert stems == [("alice", "alice.ipynb"), ("alice-zip", "alice.zip")]


def test_one_file_as_submissions_is_one_upload(solution_notebook, tmp_path):
    """Is a single notebook, or a single grader.export() zip, given as SUBMISSIONS staged as one upload, and a
    broken zip given so listed as unreadable?"""
    nbformat.write(solution_notebook, tmp_path / "alice.ipynb")
    (tmp_path / "bob.zip").write_bytes(export_zip(text(solution_notebook), {f"bob/{METADATA}": b"x: 1"}))
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    alice = intake.stage(tmp_path / "alice.ipynb", tmp_path / "a")
    bob = intake.stage(tmp_path / "bob.zip", tmp_path / "b")
    broken = intake.stage(tmp_path / "broken.zip", tmp_path / "c")
    assert [(s["stem"], s["students"]) for s in alice.submissions + bob.submissions] == [("alice", []), ("bob", [])]
    assert alice.not_graded == [] and all(item["reason"].startswith("ignored") for item in bob.not_graded)
    assert broken.submissions == [] and "not a readable zip" in broken.not_graded[0]["reason"]


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


@pytest.mark.slow
def test_a_hostile_export_leaves_nothing_in_the_temporary_folder(dist, uploads, tmp_path):
    """Is an export whose metadata is an alias bomb graded in seconds, every submission without names, and does
    the run leave nothing in its temporary folder (TMPDIR)?"""
    temporary, out = tmp_path / "tmp", tmp_path / "out"
    temporary.mkdir()
    files = gradescope_export(uploads)
    files[f"assignment_4242_export/{METADATA}"] = alias_bomb(9)
    started = time.monotonic()
    stdout = grade_local(dist, write_zip(tmp_path / "export.zip", files), out, temporary)
    seconds = time.monotonic() - started
    print(f"MEASURED grading 4 submissions of an export with an alias bomb: {seconds:.1f} s")
    rows = read_csv(out / "grades.csv")
    assert sorted(row["submission"] for row in rows) == sorted(uploads)
    assert all(row[field] == "" for row in rows for field in ("name", "email", "sid")) and "lol" not in stdout
    assert "not a readable Gradescope export: it uses YAML aliases" in stdout
    assert sorted(temporary.iterdir()) == []


@pytest.mark.slow
def test_an_interrupted_run_leaves_nothing_in_the_temporary_folder(dist, solution_notebook, tmp_path):
    """Does make grade, terminated while notebooks are graded, stop its graders and leave nothing in its
    temporary folder (no copy of the bundle's hidden tests, no staged submission)?"""
    temporary, out, folder = tmp_path / "tmp", tmp_path / "out", tmp_path / "in"
    temporary.mkdir()
    folder.mkdir()
    slow = nbformat.from_dict(json.loads(json.dumps(solution_notebook)))
    slow.cells.insert(0, nbformat.v4.new_code_cell("import time\ntime.sleep(20)"))  # still grading when stopped
    for stem in ("ann", "ben", "cat", "dan"):
        nbformat.write(slow, folder / f"{stem}.ipynb")
    command, environment = grade_local_command(dist, folder, out, temporary)
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Grading "):
            break
    time.sleep(1)
    assert process.poll() is None and any(path.name.startswith("vg-bundle-") for path in temporary.iterdir())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM, "".join(lines)
    assert sorted(temporary.iterdir()) == []
