"""Does everything a user reads stand on its own, inside the repository?

Every file of the repository (as git tracks it, plus new files not ignored) and of a full
build (dist/, the members of its zips and the cells and outputs of its notebooks included)
is searched for what points outside the repository: a relative path whose `../` climbs out
of it, an absolute path of this machine (the checkout, the folders above it, the home
folder, the virtualenv), and the name of the product specification, which is not part of
the repository. A failure names the file, the line and what was found.
"""

import io
import os
import pathlib
import re
import subprocess
import sys
import zipfile

from .conftest import REPO

# The hostile notebooks of the adversarial corpus try to reach the grader's files on purpose,
# and this checker spells out what it looks for.
NOT_READ_BY_USERS = ("tests/files/adversarial/", "tests/test_self_contained.py")
# Generic folders, the same on every machine: naming one is not naming this machine.
GENERIC_FOLDERS = {"/", "/home", "/Users", "/root", "/tmp", "/usr", "/opt", "/srv", "/var", "/mnt", "/media"}
SPEC_NAMES = re.compile(r"\bSPEC\b|(?i:SPEC\.md)|\bshared/")
CLIMB = re.compile(r"(?<![\w.])((?:\.\./)+)([\w.\-]+(?:/[\w.\-]+)*)?")


def machine_paths(*extra):
    """Absolute folders of this machine that the project must never name."""
    found = set()
    for start in (REPO, pathlib.Path(sys.prefix), pathlib.Path.home(), *extra):
        for folder in (start.resolve(), *start.resolve().parents):
            if str(folder) not in GENERIC_FOLDERS:
                found.add(str(folder))
    return sorted(found, key=len, reverse=True)


def machine_pattern(paths):
    return re.compile("|".join(rf"(?<![\w.]){re.escape(path)}(?![\w.-])" for path in paths))


def problems_in(text, location, where, pattern):
    """["file:line: what"] of one text; `location` is the folder its relative paths start from."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in SPEC_NAMES.finditer(line):
            found.append((number, f"names the specification: {match.group(0)!r}"))
        for match in pattern.finditer(line):
            found.append((number, f"names an absolute path of this machine: {match.group(0)!r}"))
        for match in CLIMB.finditer(line):
            target = os.path.normpath(os.path.join(location, match.group(0)))
            if not (target == str(REPO) or target.startswith(str(REPO) + os.sep)):
                found.append((number, f"climbs out of the repository: {match.group(0)!r}"))
    return [f"{where}:{number}: {what}" for number, what in found]


def readable(name, data):
    """[(member name, text)] of a file: itself, or each member of a zip (recursively)."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(f"{name}!{member}", text) for member in archive.namelist() if not member.endswith("/")
                    for _, text in readable(member, archive.read(member))]
    return [(name, data.decode("utf-8", errors="replace"))]


def scan(root, files, located_at, pattern):
    """Problems of every file (path relative to root), its relative paths read from located_at/<file>."""
    found = []
    for relative in files:
        path = root / relative
        if relative.startswith(NOT_READ_BY_USERS) or not path.is_file() or path.is_symlink():
            continue
        location = os.path.dirname(os.path.join(located_at, relative))
        for where, text in readable(relative, path.read_bytes()):
            found += problems_in(text, location, where, pattern)
    return found


def repository_files():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    return sorted(set(listed))


def test_the_checker_finds_each_kind_of_outside_path(tmp_path):
    """Would the check catch a spec mention, a `../` climbing out, and this machine's absolute paths?"""
    pattern = machine_pattern(machine_paths())
    text = "\n".join(["see the SPEC", "read ../notes/x.md", f"at {REPO}/docs", f"venv {sys.prefix}/bin",
                      "fine: docs/mathematics.md, KERNELSPEC, spec, /usr/bin/env, a shared folder"])
    found = problems_in(text, str(REPO), "x.md", pattern)
    assert [problem.split(":")[1] for problem in found] == ["1", "2", "3", "4"], found
    assert not problems_in("see ../README.md", str(REPO / "docs"), "docs/x.md", pattern)  # still inside
    assert problems_in("see ../../README.md", str(REPO / "docs"), "docs/x.md", pattern)  # climbs out


def test_repository_names_nothing_outside_itself():
    """Does no file of the repository name the spec, climb out of the repository, or name this machine's paths?"""
    found = scan(REPO, repository_files(), str(REPO), machine_pattern(machine_paths()))
    assert not found, "\n".join(found)


def test_built_dist_names_nothing_outside_the_repository(full_dist):
    """Does no file of a full build (zip members and notebook outputs included) name the spec or this machine?"""
    files = sorted(path.relative_to(full_dist).as_posix() for path in full_dist.rglob("*") if path.is_file())
    pattern = machine_pattern(machine_paths(full_dist))
    found = scan(full_dist, files, str(REPO / "dist"), pattern)
    assert not found, "\n".join(found)
