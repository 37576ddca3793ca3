"""An Otter-Grader autograder zip that holds exactly the tests of our Gradescope bundle.

    python -m bench.otter_bundle --bundle dist/autograder/NAME-autograder.zip [--out FILE]

The zip is made by Otter's own `otter generate` (the Otter installed beside this Python,
7.0.0 from requirements/dev.txt) in a scratch folder holding, taken from our bundle:

    tests/*.py                        the rendered test files, byte for byte (public and hidden
                                      cases, exception format, OK_FORMAT = False)
    NAME_reference.py                 a support file: it lands in files/ in the zip, and
                                      `otter run` copies files/* beside the submission, the
                                      kernel's working directory, where the hidden cases'
                                      `from NAME_reference import ...` finds it
    requirements.txt                  numpy only; Otter's environment.yml adds Otter itself

and no otter_config.json (Otter's defaults). The result has Otter's usual layout: run_autograder,
run_otter.py, setup.sh, environment.yml, otter_config.json, tests/, files/.

`otter run -a OTTER_ZIP NAME.ipynb` then grades with the same test files.
Name the submission as the notebook's `otter.Notebook("NAME.ipynb")` does (submission_name): in
grading mode Otter reads that file from the working directory, and under any other name the
notebook's first cell fails, so its `grader.check` cells fail too (Otter still runs every
test file once at the end, so the scores survive, but it is not the path students' notebooks take).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

REPO = pathlib.Path(__file__).resolve().parents[1]


def submission_name(bundle):
    """The notebook's file name, NAME.ipynb (which otter.Notebook(...) in the notebook expects)."""
    with zipfile.ZipFile(bundle) as archive:
        return json.loads(archive.read("config.json"))["notebook"]


def assignment_name(bundle):
    return submission_name(bundle).removesuffix(".ipynb")


def reference_module(bundle):
    return f"{assignment_name(bundle)}_reference.py"


def clean_environment(**extra):
    """os.environ without what would let a grader find code outside its bundle (PYTHONPATH) or
    change the grading seed."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VG_GRADING_SEED")}
    environment.update(extra)
    return environment


def otter_sources(bundle, folder):
    """Copy from our bundle what the Otter bundle is made of; return the test file names."""
    folder = pathlib.Path(folder)
    reference = reference_module(bundle)
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        tests = sorted(n for n in names if n.startswith("tests/") and n.endswith(".py"))
        if not tests or reference not in names:
            raise SystemExit(f"{bundle} has no tests/*.py or no {reference}: is it our bundle?")
        for name in [*tests, reference, "requirements.txt"]:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    return tests


def build(bundle, out, python=sys.executable):
    """Write the Otter autograder zip `out` with `python -m otter generate`; return its path."""
    out = pathlib.Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="otter-generate-") as scratch:
        tests = otter_sources(bundle, scratch)
        command = [
            python, "-m", "otter", "generate",
            "--tests-dir", "tests", "--output-path", str(out),
            "--requirements", "requirements.txt", "--no-environment", "--no-config",
            "--python-version", "3.10",  # Gradescope's Ubuntu 22.04, like our bundle
            reference_module(bundle),
        ]
        completed = subprocess.run(command, cwd=scratch, env=clean_environment(),
                                   capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"otter generate failed:\n{completed.stdout}{completed.stderr}")
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
    expected = {*tests, f"files/{reference_module(bundle)}", "otter_config.json", "environment.yml", "run_autograder"}
    missing = expected - names
    if missing:
        raise RuntimeError(f"otter generate made {out} without {sorted(missing)}")
    return out


def otter_run_command(otter_python, otter_zip, submission, output_dir):
    """The stock `otter run` command line (Otter's CLI module, run by `otter_python`)."""
    return [str(otter_python), "-m", "otter", "run", "--autograder", str(otter_zip),
            "--output-dir", str(output_dir), "--no-logo", str(submission)]


def otter_scores(results):
    """{question: score} from the results.json `otter run` writes (one entry per test file)."""
    return {test["name"]: test["score"] for test in results["tests"] if "score" in test}


def run_otter(otter_python, otter_zip, notebook_path, output_dir, timeout=300):
    """Grade one notebook with `otter run`; return its results.json as a dict."""
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        otter_run_command(otter_python, otter_zip, notebook_path, output_dir),
        cwd=output_dir, env=clean_environment(), capture_output=True, text=True, timeout=timeout, check=False,
    )
    results_path = output_dir / "results.json"
    if completed.returncode != 0 or not results_path.is_file():
        output = completed.stdout[-3000:] + completed.stderr[-3000:]
        raise RuntimeError(f"otter run failed on {notebook_path}:\n{output}")
    return json.loads(results_path.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.otter_bundle", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, help="default: dist/bench/NAME-otter-autograder.zip")
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.exit(f"No bundle at {args.bundle}: run `make` first.")
    out = args.out or REPO / "dist" / "bench" / f"{assignment_name(args.bundle)}-otter-autograder.zip"
    print(f"wrote {build(args.bundle, out)}")


if __name__ == "__main__":
    main()
