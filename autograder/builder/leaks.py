"""The leak check: nothing secret may reach any file of the student release.

Secrets are the reference module (its name and its text), the template's solution regions
and the hidden test cases. Each contributes distinctive fragments (lines long enough not to occur by chance);
the check reads every student file, including inside zips and notebook JSON, and fails
the build naming the file and the fragment.
"""

import io
import json
import zipfile

MIN_FRAGMENT_CHARS = 20
ALWAYS_SECRET = ("hidden=True", "BEGIN SOLUTION", "# SOLUTION")


class LeakError(Exception):
    pass


def fragments_of_source(source):
    """Distinctive lines of a secret source file."""
    found = set()
    for line in source.splitlines():
        text = line.strip().lstrip("#").strip().strip('"').strip()
        if len(text) >= MIN_FRAGMENT_CHARS:
            found.add(text)
    return found


def readable_text(name, data):
    """The text a person or a program could read out of one file."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(readable_text(member, archive.read(member)) for member in archive.namelist())
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        notebook = json.loads(text)
        text += "\n" + "\n".join("".join(cell.get("source", "")) for cell in notebook.get("cells", []))
    return text


def check(paths, secrets):
    """Raise LeakError if any secret fragment occurs in any of the files, or any file below the folders."""
    secrets = set(secrets) | set(ALWAYS_SECRET)
    leaks = []
    for top in paths:
        for path in sorted([top] if top.is_file() else top.rglob("*")):
            if path.is_file():
                text = readable_text(path.name, path.read_bytes())
                leaks += [f"{path.relative_to(top.parent)}: {fragment!r}" for fragment in sorted(secrets)
                          if fragment in text]
    if leaks:
        raise LeakError("secret material in the student release:\n  " + "\n  ".join(leaks[:20]))
