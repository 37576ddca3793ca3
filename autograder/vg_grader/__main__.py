"""Command line of the grader; Gradescope's run_autograder and `make grade` both call it.

    python -m vg_grader grade --source DIR --submission PATH --results FILE
    python -m vg_grader batch --source DIR --submissions DIR --out DIR [--jobs N]

DIR (--source) is an unpacked autograder bundle: config.json, tests/, the reference module.
"""

import argparse
import concurrent.futures
import csv
import json
import os
import pathlib
import subprocess
import sys
import traceback

from . import grading
from .sandbox import Limits


def load_config(source_dir):
    config = json.loads((source_dir / "config.json").read_text())
    config["limits"] = Limits.from_mapping(config["limits"])
    return config


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def grade_one(source_dir, submission, results_path):
    try:
        data = grading.grade(submission, source_dir, load_config(source_dir))
    except Exception:  # an error of the grader itself: still a valid results file
        traceback.print_exc()
        data = {
            "score": 0,
            "output": (
                "The autograder itself failed on this submission (not your code's fault as far "
                "as it can tell). Please tell your instructor; your upload is kept."
            ),
            "visibility": "visible",
            "tests": [],
        }
    write_json(results_path, data)
    return data


def batch(source_dir, submissions_dir, out_dir, jobs):
    """Grade every DIR/*.ipynb in its own grader process; one failure never stops the rest."""
    notebooks = sorted(path.resolve() for path in submissions_dir.glob("*.ipynb"))
    if not notebooks:
        sys.exit(f"No .ipynb files in {submissions_dir}: put one notebook per student there.")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(source_dir)
    questions = [question["name"] for question in config["questions"]]

    def run(notebook):
        result_path = out_dir / f"{notebook.stem}.json"
        subprocess.run(
            [sys.executable, "-m", "vg_grader", "grade", "--source", str(source_dir),
             "--submission", str(notebook), "--results", str(result_path)],
            cwd=source_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )
        try:
            return notebook, json.loads(result_path.read_text())
        except (OSError, ValueError):
            return notebook, None

    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for done, (notebook, data) in enumerate(pool.map(run, notebooks), start=1):
            scores = {question: 0 for question in questions}
            for test in (data or {}).get("tests", []):
                question = test.get("name", "").split(" (")[0]
                if question in scores:
                    scores[question] += test.get("score", 0)
            total = (data or {}).get("score", "")
            rows.append([notebook.stem] + [scores[q] for q in questions] + [total])
            print(f"[{done}/{len(notebooks)}] {notebook.name}: {total if data else 'NOT GRADED'}", flush=True)
    with open(out_dir / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission"] + questions + ["total"])
        writer.writerows(rows)
    print(f"Wrote {len(rows)} results and grades.csv to {out_dir}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vg_grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (file or Gradescope folder)")
    one.add_argument("--source", type=pathlib.Path, required=True)
    one.add_argument("--submission", type=pathlib.Path, required=True)
    one.add_argument("--results", type=pathlib.Path, required=True)
    many = commands.add_parser("batch", help="grade a folder of notebooks")
    many.add_argument("--source", type=pathlib.Path, required=True)
    many.add_argument("--submissions", type=pathlib.Path, required=True)
    many.add_argument("--out", type=pathlib.Path, required=True)
    many.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.command == "grade":
        grade_one(args.source.resolve(), args.submission, args.results)
    else:
        if not args.submissions.is_dir():
            sys.exit(f"SUBMISSIONS={args.submissions} is not a folder: give a folder of .ipynb files.")
        batch(args.source.resolve(), args.submissions, args.out, max(1, args.jobs))


if __name__ == "__main__":
    main()
