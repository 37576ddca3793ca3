"""What `make grade` takes in: find the submissions, stage them, and name their students.

SUBMISSIONS is either a Gradescope export or a folder of uploads:

    a Gradescope export          Review Grades -> Export Submissions: its folder (usually
                                 assignment_<id>_export/, with submission_metadata.yml and one
                                 folder submission_<id>/ per submission holding what was uploaded),
                                 or its zip                  -> OUT/submission_<id>.json
    a folder of uploads, any mix of (or one of them given as SUBMISSIONS)
        <stem>.ipynb             a notebook                  -> OUT/<stem>.json
        <stem>.zip               the zip grader.export() made (a notebook inside)

The trust boundary: names, emails and SIDs come only from the export the instructor names as
SUBMISSIONS itself. Anything found inside SUBMISSIONS is a student's upload, or put there by hand:
a zip in it is always an upload (grader.export() zips are), and a submission_metadata.yml inside
an upload, or an export folder inside SUBMISSIONS, is never read; they are listed as not graded,
with the reason, like everything else that is not graded.

`stage` writes each submission once into a private folder the grader reads (names made unique,
plain notebooks keep their stem), counting the bytes it actually writes against a cap per
submission and one for the whole class, and returns the roster with it, for classroom.batch: the
bundle's grader never needs YAML.
"""

import os
import pathlib
import shutil
import stat
import zipfile
import zlib

from . import export_metadata
from .export_metadata import METADATA

MAX_STAGED_BYTES = 4 * 2**30  # a whole class's export
MAX_SUBMISSION_BYTES = 2**30  # one submission: ten times the largest notebook the grader reads
CHUNK_BYTES = 2**20
UPLOAD_KINDS = ".ipynb or the .zip of grader.export()"
GIVE_EXPORT_ITSELF = "a Gradescope export is read only when it is SUBMISSIONS itself (its folder or its zip)"
IGNORED_METADATA = (f"ignored: a {METADATA} inside a student's upload is never read, the upload is graded "
                    f"as it is; names, emails and SIDs come only from a Gradescope export given as "
                    f"SUBMISSIONS itself")
UNREADABLE_ZIP_ERRORS = (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError,
                         zlib.error)


class Staged:
    """folder: one entry per submission, as the grader reads them; source: where they came from;
    submissions: [{"stem", "path" (below folder), "input", "submission_id", "students"}];
    not_graded: [{"input", "reason"}]."""

    def __init__(self, folder, source, submissions, not_graded):
        self.folder, self.source, self.submissions, self.not_graded = folder, source, submissions, not_graded


class TooLarge(Exception):
    """Staging a submission would write more than a cap allows; the message says which."""


class Budget:
    """The bytes staging writes, counted as they are written (a zip's declared sizes can lie)."""

    def __init__(self):
        self.total, self.each = MAX_STAGED_BYTES, MAX_SUBMISSION_BYTES
        self.left, self.current = self.total, 0

    def start(self):
        self.current = 0

    def give_back(self):
        """The current submission was removed: its bytes count no more."""
        self.left += self.current
        self.current = 0

    def copy(self, source, destination):
        """Copy the open binary file source into a new file destination (never over an existing one)."""
        with open(destination, "xb") as sink:
            while chunk := source.read(CHUNK_BYTES):
                if self.current + len(chunk) > self.each:
                    raise TooLarge(f"it takes more than {self.each // 2**20} MB")
                if len(chunk) > self.left:
                    raise TooLarge(f"staging the class would take more than {self.total // 2**20} MB in all")
                sink.write(chunk)
                self.current += len(chunk)
                self.left -= len(chunk)


class Intake:
    def __init__(self, origin_root, folder, excluded):
        self.origin_root, self.folder, self.excluded = origin_root, folder, excluded
        self.submissions, self.not_graded, self.stems, self.budget = [], [], set(), Budget()

    def origin(self, path):
        """How the instructor names an input: its path below the folder holding SUBMISSIONS."""
        return path.relative_to(self.origin_root).as_posix() if path.is_relative_to(self.origin_root) else path.name

    def skip(self, origin, reason):
        self.not_graded.append({"input": origin, "reason": reason})

    def unique(self, stem, suffix):
        candidate, number = stem, 1
        while candidate in self.stems:
            number += 1
            candidate = f"{stem}-{suffix}" if number == 2 else f"{stem}-{suffix}{number}"
        self.stems.add(candidate)
        return candidate

    def add(self, stem, origin, fill, suffix="", students=(), submission_id=""):
        """Stage one submission: fill(target) writes it through the budget; if it cannot, it is listed."""
        stem = self.unique(stem, suffix.lstrip(".") or "folder")
        target = self.folder / (stem + suffix)
        self.budget.start()
        try:
            fill(target)
        except (TooLarge, *UNREADABLE_ZIP_ERRORS) as error:
            _remove(target)
            self.budget.give_back()
            reason = str(error) if isinstance(error, TooLarge) else f"it could not be staged ({error})"
            who = ", ".join(student["name"] or student["email"] for student in students)
            self.skip(origin, f"not staged: {reason}" + (f" (submitted by {who})" if who else ""))
            return
        self.submissions.append({"stem": stem, "path": target.name, "input": origin,
                                 "submission_id": submission_id, "students": list(students)})
        _report_metadata_inside(self, target, origin)


def stage(submissions, staging, exclude=()):
    """Stage every submission found in `submissions` (folder or zip) below `staging`."""
    submissions = pathlib.Path(submissions).resolve()
    staging = pathlib.Path(staging)
    folder = staging / "submissions"
    folder.mkdir(parents=True)
    intake = Intake(source_folder(submissions), folder, {pathlib.Path(path).resolve() for path in exclude})
    if submissions.is_dir():
        if (submissions / METADATA).is_file():
            _export_folder(intake, submissions)
        else:
            for path in sorted(submissions.iterdir()):
                _entry(intake, path)
    elif submissions.is_file():
        if not (submissions.suffix.lower() == ".zip" and _export_zip(intake, submissions)):
            _entry(intake, submissions)
    else:
        raise SystemExit(f"SUBMISSIONS={submissions} does not exist: give a folder or a zip of submissions.")
    return Staged(folder, str(submissions), intake.submissions, intake.not_graded)


def source_folder(submissions):
    """The folder holding the instructor's submissions (SUBMISSIONS, or the folder of its zip)."""
    submissions = pathlib.Path(submissions).resolve()
    return submissions if submissions.is_dir() else submissions.parent


def _entry(intake, path):
    """One entry of a folder of uploads (or SUBMISSIONS itself, when it is a file)."""
    origin = intake.origin(path)
    if path.resolve() in intake.excluded:
        return  # OUT inside SUBMISSIONS: our own results are not submissions
    if path.is_symlink():
        intake.skip(origin, "a symbolic link: give the file itself")
    elif path.is_dir():
        if (path / METADATA).is_file():
            intake.skip(origin, f"a Gradescope export inside SUBMISSIONS, not read: {GIVE_EXPORT_ITSELF}, "
                                "so give that folder as SUBMISSIONS")
        else:
            intake.skip(origin, f"a folder, not read: put each student's {UPLOAD_KINDS} directly in SUBMISSIONS "
                                f"({GIVE_EXPORT_ITSELF})")
    elif path.suffix.lower() == ".ipynb":
        intake.add(path.stem, origin, lambda target: _copy_file(intake.budget, path, target), ".ipynb")
    elif path.suffix.lower() == ".zip":
        _upload_zip(intake, path, origin)
    else:
        intake.skip(origin, f"not a submission: expected a notebook ({UPLOAD_KINDS}) or a Gradescope export")


def _upload_zip(intake, path, origin):
    """A zip in a folder of uploads is a student's grader.export() zip, graded as it is."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except UNREADABLE_ZIP_ERRORS as error:
        intake.skip(origin, f"not a readable zip file ({error})")
        return
    if not any(name.lower().endswith(".ipynb") for name in names):
        intake.skip(origin, "a zip with no notebook (.ipynb): not a grader.export() zip"
                            + (f" ({GIVE_EXPORT_ITSELF})" if _metadata_members(names) else ""))
        return
    intake.add(path.stem, origin, lambda target: _copy_file(intake.budget, path, target), ".zip")


def _export_folder(intake, folder):
    """SUBMISSIONS is the folder of a Gradescope export: its submission_<id>/ folders are staged."""
    roster = _roster(intake, export_metadata.read, folder / METADATA, intake.origin(folder / METADATA))
    seen = set()
    for path in sorted(folder.iterdir()):
        origin = intake.origin(path)
        if path.name == METADATA or path.resolve() in intake.excluded:
            continue
        if path.is_dir() and not path.is_symlink() and path.name.startswith("submission_"):
            seen.add(path.name)
            intake.add(path.name, origin, lambda target, path=path: _copy_folder(intake.budget, path, target),
                       students=roster.get(path.name, []), submission_id=path.name.removeprefix("submission_"))
        else:
            intake.skip(origin, "not a submission folder (submission_<id>/) of the Gradescope export")
    _report_missing(intake, roster, seen, lambda key: intake.origin(folder / key))


def _export_zip(intake, path):
    """SUBMISSIONS is the zip of a Gradescope export: each submission_<id>/ is unpacked once, straight
    into the staging folder. False if the zip is not an export (then it is an upload)."""
    origin = intake.origin(path)
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE_ZIP_ERRORS:
        return False  # then reported as an upload that is not a readable zip
    try:
        with archive:
            members = [(info, _member_parts(info)) for info in archive.infolist()
                       if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
            root = _export_root([parts for _, parts in members if parts])
            if root is None:
                return False
            _unpack_export(intake, archive, members, root, origin)
    except UNREADABLE_ZIP_ERRORS as error:
        intake.skip(origin, f"not a readable zip file ({error})")
    return True


def _unpack_export(intake, archive, members, root, origin):
    """Stage the submission_<id>/ folders below root (a tuple of parts) of an export zip's members."""
    shown = "/".join([origin, *root])
    metadata = [info for info, parts in members if parts == (*root, METADATA)]
    roster = _roster(intake, lambda infos: _read_member(archive, infos), metadata, f"{shown}/{METADATA}")
    groups, others = {}, set()
    for info, parts in members:
        if parts is None:
            intake.skip(f"{origin}/{info.filename}", "a link, or a path that leaves the export: not unpacked")
            continue
        inside = parts[len(root):]  # every member is below root (see _export_root)
        if len(inside) > 1 and inside[0].startswith("submission_"):
            groups.setdefault(inside[0], []).append((info, inside[1:]))
        elif inside != (METADATA,):
            others.add(inside[0])
    for other in sorted(others):
        intake.skip(f"{shown}/{other}", "not a submission folder (submission_<id>/) of the Gradescope export")
    for name, files in sorted(groups.items()):
        intake.add(name, f"{shown}/{name}", lambda target, files=files: _unpack(intake.budget, archive, files, target),
                   students=roster.get(name, []), submission_id=name.removeprefix("submission_"))
    _report_missing(intake, roster, set(groups), lambda key: f"{shown}/{key}")


def _export_root(member_parts):
    """The folder of a zip that is a Gradescope export: its top (()), or its only top folder ((name,))."""
    if (METADATA,) in member_parts:
        return ()
    tops = {parts[0] for parts in member_parts}
    if len(tops) == 1 and (*tops, METADATA) in member_parts:
        return tuple(tops)
    return None


def _member_parts(info):
    """The path of a zip member as parts, or None for a link or a path that would leave the folder."""
    parts = pathlib.PurePosixPath(info.filename.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0] or stat.S_ISLNK(info.external_attr >> 16):
        return None
    return parts


def _read_member(archive, infos):
    if len(infos) > 1:  # zip tools disagree on which of two members of one name they unpack
        raise export_metadata.ExportError(f"the zip holds {len(infos)} files of that name")
    with archive.open(infos[0]) as member:
        return export_metadata.parse(member.read(export_metadata.MAX_BYTES + 1))


def _roster(intake, read, source, origin):
    """The export's roster, or {} with the problem listed: the class is graded either way."""
    try:
        return read(source)
    except export_metadata.ExportError as error:
        intake.skip(origin, f"not a readable Gradescope export: {error}; its submissions are graded without "
                            "names, emails or SIDs")
    except UNREADABLE_ZIP_ERRORS as error:
        intake.skip(origin, f"not a readable Gradescope export: it could not be unpacked ({error}); its "
                            "submissions are graded without names, emails or SIDs")
    return {}


def _report_missing(intake, roster, seen, origin_of):
    for key in sorted(set(roster) - seen):
        names = ", ".join(student["name"] or student["email"] for student in roster[key]) or "no submitter"
        intake.skip(origin_of(key), f"listed in {METADATA} ({names}) but its folder is missing from the export")


def _copy_file(budget, source, target):
    with open(source, "rb") as handle:
        budget.copy(handle, target)


def _copy_folder(budget, source, target):
    """Regular files only: links are not followed (one could point at any file the grader can read)."""
    target.mkdir()
    for folder, subfolders, files in os.walk(source):
        here = pathlib.Path(folder)
        destination = target / here.relative_to(source)
        for name in sorted(subfolders):
            if not (here / name).is_symlink():
                (destination / name).mkdir()
        for name in sorted(files):
            if stat.S_ISREG((here / name).lstat().st_mode):
                _copy_file(budget, here / name, destination / name)


def _unpack(budget, archive, files, target):
    target.mkdir()
    for info, parts in files:
        if parts[0] == "__MACOSX":
            continue
        destination = target.joinpath(*parts)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source:
                budget.copy(source, destination)
        except (FileExistsError, NotADirectoryError):  # a name twice, or both a file and a folder
            raise ValueError(f"the export holds {'/'.join(parts)} twice") from None


def _metadata_members(names):
    return [name for name in names if pathlib.PurePosixPath(name.replace("\\", "/")).name == METADATA]


def _report_metadata_inside(intake, target, origin):
    """List every submission_metadata.yml a staged upload carries (loose, or inside its zips): ignored."""
    paths = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    for path in paths:
        shown = origin if path == target else f"{origin}/{path.relative_to(target).as_posix()}"
        if path.name == METADATA:
            intake.skip(shown, IGNORED_METADATA)
        elif path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    inside = _metadata_members(archive.namelist())
            except UNREADABLE_ZIP_ERRORS:
                continue  # the grader reports an unreadable upload to the student
            for name in inside:
                intake.skip(f"{shown}/{name}", IGNORED_METADATA)


def _remove(path):
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
