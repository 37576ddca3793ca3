"""What `make grade` takes in: find the submissions, stage them, and name their students.

SUBMISSIONS may be a folder or a zip of it, holding any mix of

    <stem>.ipynb                 a notebook                 -> results OUT/<stem>.json
    <stem>.zip                   the zip grader.export() made (a notebook inside)
    a Gradescope export          Review Grades -> Export Submissions: a folder (or its zip,
                                 usually assignment_<id>_export/) with submission_metadata.yml
                                 and one folder submission_<id>/ per submission holding what
                                 was uploaded                -> OUT/submission_<id>.json

submission_metadata.yml maps each folder name to its submitters (``:name:``, ``:email:``,
``:sid:``; several for a group). Everything else is listed as not graded, with the reason.

`stage` copies each submission into a private folder the grader reads (names made unique,
plain notebooks keep their stem) and returns the roster with it, for classroom.batch: the
bundle's grader never needs YAML.
"""

import pathlib
import shutil
import stat
import zipfile

METADATA = "submission_metadata.yml"
MAX_EXTRACTED_BYTES = 4 * 2**30  # a whole class's export; more is not an export
UPLOAD_KINDS = ".ipynb or the .zip of grader.export()"


class Staged:
    """folder: one entry per submission, as the grader reads them; source: where they came from;
    submissions: [{"stem", "path" (below folder), "input", "submission_id", "students"}];
    not_graded: [{"input", "reason"}]."""

    def __init__(self, folder, source, submissions, not_graded):
        self.folder, self.source, self.submissions, self.not_graded = folder, source, submissions, not_graded


class Intake:
    def __init__(self, origin_root, folder):
        self.origin_root, self.folder = origin_root, folder
        self.submissions, self.not_graded, self.stems, self.exports = [], [], set(), []

    def origin(self, path, inside=""):
        """How the instructor names an input: its path below SUBMISSIONS, or in its zip."""
        for root in [self.origin_root, *self.exports]:
            if path.is_relative_to(root):
                shown = path.relative_to(root).as_posix()
                break
        else:
            shown = path.name
        return f"{inside}/{shown}" if inside else shown

    def skip(self, origin, reason):
        self.not_graded.append({"input": origin, "reason": reason})

    def unique(self, stem, suffix):
        candidate, number = stem, 1
        while candidate in self.stems:
            number += 1
            candidate = f"{stem}-{suffix}" if number == 2 else f"{stem}-{suffix}{number}"
        self.stems.add(candidate)
        return candidate

    def add(self, stem, source, origin, suffix="", students=(), submission_id=""):
        stem = self.unique(stem, suffix.lstrip(".") or "folder")
        target = self.folder / (stem + suffix)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)  # links are copied as links, never followed
        else:
            shutil.copyfile(source, target)
        self.submissions.append({"stem": stem, "path": target.name, "input": origin,
                                 "submission_id": submission_id, "students": list(students)})


def stage(submissions, staging, exclude=()):
    """Stage every submission found in `submissions` (folder or zip) below `staging`."""
    submissions = pathlib.Path(submissions).resolve()
    staging = pathlib.Path(staging)
    folder = staging / "submissions"
    folder.mkdir(parents=True)
    intake = Intake(source_folder(submissions), folder)
    excluded = {pathlib.Path(path).resolve() for path in exclude}
    if submissions.is_dir():
        _folder(intake, submissions, excluded)
    elif submissions.is_file():
        _entry(intake, submissions, excluded)
    else:
        raise SystemExit(f"SUBMISSIONS={submissions} does not exist: give a folder or a zip of submissions.")
    return Staged(folder, str(submissions), intake.submissions, intake.not_graded)


def source_folder(submissions):
    """The folder holding the instructor's submissions (SUBMISSIONS, or the folder of its zip)."""
    submissions = pathlib.Path(submissions).resolve()
    return submissions if submissions.is_dir() else submissions.parent


def _folder(intake, folder, excluded, inside=""):
    if (folder / METADATA).is_file():
        _gradescope_export(intake, folder, inside)
        return
    for path in sorted(folder.iterdir()):
        _entry(intake, path, excluded, inside)


def _entry(intake, path, excluded, inside=""):
    origin = intake.origin(path, inside)
    if path.resolve() in excluded:
        return  # OUT inside SUBMISSIONS: our own results are not submissions
    if path.is_symlink():
        intake.skip(origin, "a symbolic link: give the file itself")
    elif path.is_dir():
        if (path / METADATA).is_file():
            _gradescope_export(intake, path, inside)
        else:
            intake.skip(origin, f"a folder without {METADATA}, so not a Gradescope export "
                                f"(put each student's {UPLOAD_KINDS} directly in SUBMISSIONS)")
    elif path.suffix.lower() == ".ipynb":
        intake.add(path.stem, path, origin, ".ipynb")
    elif path.suffix.lower() == ".zip":
        _zip(intake, path, inside)
    else:
        intake.skip(origin, f"not a submission: expected a notebook ({UPLOAD_KINDS}) or a Gradescope export")


def _zip(intake, path, inside=""):
    """A zip is either a Gradescope export (submission_metadata.yml inside) or a student's
    grader.export() zip (a notebook inside), which is graded as it is."""
    origin = intake.origin(path, inside)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            if any(pathlib.PurePosixPath(name).name == METADATA for name in names):
                target = intake.folder.parent / "exports" / str(len(intake.exports))
                intake.exports.append(target)
                _extract(archive, target)
                _folder(intake, target, set(), inside=origin)
                return
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
        intake.skip(origin, f"not a readable zip file ({error})")
        return
    if not any(name.lower().endswith(".ipynb") for name in names):
        intake.skip(origin, f"a zip with no notebook (.ipynb) and no {METADATA}: neither a "
                            "grader.export() zip nor a Gradescope export")
        return
    intake.add(path.stem, path, origin, ".zip")


def _extract(archive, target):
    """Extract an export safely: no path leaves target, no links, a bounded size."""
    target.mkdir(parents=True)
    total = 0
    for info in archive.infolist():
        parts = pathlib.PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.is_dir() or not parts or parts[0] in ("/", "__MACOSX") or ".." in parts or ":" in parts[0]:
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            continue
        total += info.file_size
        if total > MAX_EXTRACTED_BYTES:
            raise ValueError(f"it unpacks to more than {MAX_EXTRACTED_BYTES // 2**30} GB")
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(destination, "wb") as sink:
            shutil.copyfileobj(source, sink)


def _gradescope_export(intake, folder, inside):
    metadata, problem = read_metadata(folder / METADATA)
    if problem:
        intake.skip(intake.origin(folder / METADATA, inside),
                    f"{problem}: its submissions are graded without names, emails or SIDs")
    seen = set()
    for path in sorted(folder.iterdir()):
        origin = intake.origin(path, inside)
        if path.name == METADATA:
            continue
        if path.is_dir() and not path.is_symlink() and path.name.startswith("submission_"):
            seen.add(path.name)
            intake.add(path.name, path, origin, students=metadata.get(path.name, []),
                       submission_id=path.name.removeprefix("submission_"))
        else:
            intake.skip(origin, "not a submission folder (submission_<id>/) of the Gradescope export")
    for key in sorted(set(metadata) - seen):
        names = ", ".join(student["name"] or student["email"] for student in metadata[key]) or "no submitter"
        intake.skip(intake.origin(folder / key, inside),
                    f"listed in {METADATA} ({names}) but its folder is missing from the export")


def read_metadata(path):
    """({folder name: [{"name", "email", "sid"}]}, problem or "") from submission_metadata.yml."""
    import yaml  # only for Gradescope exports; the dev venv has it, the bundle does not need it

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """Safe loading that reads tags of the exporting application (Ruby objects) as plain data."""

    def plain(loader, _suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", plain)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # a SafeLoader, extended above
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return {}, f"{METADATA} could not be read ({' '.join(str(error).split())[:200]})"
    if not isinstance(data, dict):
        return {}, f"{METADATA} is not a mapping of submission folders"
    roster = {}
    for key, record in data.items():
        submitters = record.get(":submitters") if isinstance(record, dict) else None
        roster[str(key)] = [
            {field: _text(person.get(f":{field}")) for field in ("name", "email", "sid")}
            for person in (submitters if isinstance(submitters, list) else []) if isinstance(person, dict)
        ]
    return roster, ""


def _text(value):
    return "" if value is None else " ".join(str(value).split())
