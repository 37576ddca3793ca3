"""Golden-folder cases: tests/files/goldens/<case>/ holds inputs and expected outputs.

    python -m tests.goldens      (make goldens) rewrites the expected outputs after an
                                 intended change; review the diff before committing.
"""

import json
import pathlib

import nbformat

from builder import notebooks, test_files

GOLDENS = pathlib.Path(__file__).resolve().parents[1] / "files" / "goldens"


def _notebook_json(nb):
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def notebook_markers(folder):
    """Solution markers → the student and the solution notebook."""
    text = (folder / "source.py").read_text()
    return {
        "student.ipynb": _notebook_json(notebooks.run_pipeline(text, notebooks.STUDENT_PIPELINE)),
        "solution.ipynb": _notebook_json(notebooks.run_pipeline(text, notebooks.SOLUTION_PIPELINE)),
    }


def hidden_cases(folder):
    """A full Otter test file → its public version."""
    return {"public.py": test_files.public_version((folder / "full.py").read_text())}


CASES = {"notebook_markers": notebook_markers, "hidden_cases": hidden_cases}


def outputs(case):
    return CASES[case](GOLDENS / case)


def main():
    for case in CASES:
        for name, text in outputs(case).items():
            if name.endswith(".ipynb"):
                nbformat.validate(nbformat.reads(text, as_version=4))
            (GOLDENS / case / name).write_text(text)
            print(f"wrote {GOLDENS.name}/{case}/{name}")


if __name__ == "__main__":
    main()
