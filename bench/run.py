"""`make bench`: our grader next to stock Otter-Grader 7.0.0, measured on this machine.

    python -m bench.run --bundle ZIP [--repeat N] [--otter-repeat N] [--batch N] [--jobs N]
                        [--work DIR] [--fresh] [--no-dev-env]

One run prints one table:

1. Grading one submission (the assignment's solution notebook, built as tests/conftest.py builds it):
   median wall time and peak memory of
   - our runner as Gradescope's run_autograder calls it (`python -m grader grade`, from the
     unpacked bundle), in a fresh venv holding only the bundle's requirements.txt, and
   - stock `otter run` on an equivalent Otter bundle (bench/otter_bundle.py: `otter generate`
     on the same test files), in a lean venv holding only otter-grader[grading] and numpy,
     pinned in bench/requirements-otter-lean.txt;
   both on the same Python (3.10, Gradescope's, when one is installed), one warm-up run each
   first; then their ratio. For reference the same two in the dev .venv (Jupyter, matplotlib...),
   and `make grade` on that one notebook (python -m classroom: staging, unpacking the bundle,
   the batch, its CSV files and report) next to the bundle's grader there.
   The lean Otter venv has no matplotlib, so there the notebook's plotting cells fail at once
   (scores are unaffected: every run must give full marks): Otter does less work than in a
   real grading image, and the ratio errs in Otter's favour.
2. A batch of N (100) submissions through `make grade`'s code path (python -m classroom,
   --jobs = cores): the solution and, where the assignment has a bank of implementations
   (tests/NAME/files/implementations/), variants with one function taken from it.
3. The Gradescope setup.sh-equivalent install, `pip install --no-cache-dir --only-binary=:all:
   -r requirements.txt`, into a fresh venv: time and disk added; for contrast, the same for the
   lean Otter venv.

Tools (public, nothing else): a small launcher process runs each command and reports
time.perf_counter wall time and resource.getrusage(RUSAGE_CHILDREN): user + system CPU of the
whole process tree and ru_maxrss, the peak RSS of its largest process (what `/usr/bin/time -v`
calls "Maximum resident set size"); psutil, sampling every 5 ms in one extra run, gives the
peak summed RSS of the whole tree (grader + student process; otter + Jupyter kernel).

Everything lives under --work (default dist/bench/). The lean Otter venv is cached there
(dist/bench/otter-lean-py3.X/, with the measurements of its own install in
.bench-install.json) and rebuilt when its requirements change, or with --fresh; our venv is
rebuilt every run (a few seconds). Nothing is installed anywhere else.
"""

import argparse
import glob
import hashlib
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import nbformat
import psutil

import grader
from bench import otter_bundle

REPO = pathlib.Path(__file__).resolve().parents[1]
OTTER_REQUIREMENTS = REPO / "bench" / "requirements-otter-lean.txt"
GOALS = {"speedup": 12.0, "batch_per_submission": 0.25, "install_seconds": 60.0, "install_mb": 300.0,
         "make_grade_overhead": 0.2}
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--no-cache-dir", "--disable-pip-version-check",
               "--only-binary=:all:"]


def say(message):
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring


# Runs the measured command and reports on it. A process forked from this (large) Python
# starts with this Python's RSS as its high-water mark (Linux keeps it across exec), so
# ru_maxrss would report at least ~70 MB for anything: a small launcher started with -I -S
# forks the command instead, and reports its children's rusage (RUSAGE_CHILDREN: every
# process of the tree that was waited for, i.e. grader + student process, otter + kernel).
LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as handle:
    json.dump({"seconds": seconds, "max_rss": usage.ru_maxrss * 1024, "code": code,
               "cpu": usage.ru_utime + usage.ru_stime}, handle)
"""


class Run:
    def __init__(self, seconds, cpu, max_rss, tree_peak, returncode):
        self.seconds, self.cpu, self.max_rss, self.tree_peak = seconds, cpu, max_rss, tree_peak
        self.returncode = returncode


def _sample_tree(pid, stop, peak):
    """Largest sum of RSS over the descendants of `pid` (not pid itself), every 5 ms."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.is_set():
        total = 0
        try:
            processes = root.children(recursive=True)
        except psutil.Error:
            return
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        stop.wait(0.005)


def measure(command, cwd, env, log, sample_tree=False):
    """Run command once: wall and CPU seconds, the peak RSS of its largest process and, when
    sample_tree, the peak summed RSS of its whole process tree."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report, open(log, "ab") as out:
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, report.name, *map(str, command)]
        process = subprocess.Popen(launcher, cwd=cwd, env=env, stdout=out, stderr=out)
        stop, peak, sampler = threading.Event(), [0], None
        if sample_tree:
            sampler = threading.Thread(target=_sample_tree, args=(process.pid, stop, peak), daemon=True)
            sampler.start()
        process.wait()
        stop.set()
        if sampler:
            sampler.join()
        if process.returncode != 0:
            return Run(0, 0, 0, None, process.returncode)
        data = json.loads(pathlib.Path(report.name).read_text())
    return Run(data["seconds"], data["cpu"], data["max_rss"], peak[0] if sample_tree else None, data["code"])


class OtherLoad:
    """How many cores did processes other than ours keep busy meanwhile? (system-wide busy CPU
    time from psutil.cpu_times, less the CPU time of our measured trees and of this process)"""

    def __init__(self):
        self.system, self.own = self._busy(), psutil.Process().cpu_times()
        self.started, self.ours = time.perf_counter(), 0.0

    @staticmethod
    def _busy():
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def cores(self):
        own = psutil.Process().cpu_times()
        mine = own.user + own.system - self.own.user - self.own.system
        others = self._busy() - self.system - self.ours - mine
        return max(0.0, others / (time.perf_counter() - self.started))


def timed_series(label, command, cwd, env, log, repeat, check):
    """One warm-up, `repeat` timed runs, one run sampling the process tree's memory."""
    say(f"  {label}: warm-up + {repeat} timed runs + 1 memory run")
    runs, load = [], OtherLoad()
    for index in range(repeat + 2):
        run = measure(command, cwd, env, log, sample_tree=index == repeat + 1)
        if run.returncode != 0:
            raise SystemExit(f"{label} failed (exit {run.returncode}); see {log}")
        check()
        runs.append(run)
        load.ours += run.cpu
    timed = runs[1:repeat + 1]
    seconds = [run.seconds for run in timed]
    return {
        "label": label,
        "median": statistics.median(seconds),
        "cpu": statistics.median(run.cpu for run in timed),
        "min": min(seconds),
        "max": max(seconds),
        "max_rss": max(run.max_rss for run in runs[1:]),
        "tree_peak": runs[-1].tree_peak,
        "runs": len(seconds),
        "others": load.cores(),
    }


def folder_bytes(folder):
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.lstat(path).st_blocks * 512  # on disk, like du
    return total


# --------------------------------------------------------------------------- environments


def find_python310():
    """A CPython 3.10 (Gradescope's Python) if one is installed, else None."""
    candidates = [shutil.which("python3.10"), "/usr/bin/python3.10",
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))]
    for candidate in (c for c in candidates if c and os.path.exists(c)):
        probe = subprocess.run([candidate, "-c", "import sys, venv; assert sys.version_info[:2] == (3, 10)"],
                               capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


def python_version(python):
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def fresh_venv(base_python, folder, requirements, log):
    """Make a venv at folder and pip-install requirements into it: (seconds, bytes added)."""
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([base_python, "-m", "venv", str(folder)], check=True)
    before = folder_bytes(folder)
    python = folder / "bin" / "python"
    started = time.perf_counter()
    with open(log, "ab") as out:
        completed = subprocess.run([str(python), *PIP_INSTALL, "-r", str(requirements)],
                                   stdout=out, stderr=out, env=otter_bundle.clean_environment(), check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"pip install -r {requirements} failed; see {log}")
    return seconds, folder_bytes(folder) - before


def compile_bytecode(python, source):
    """Compile the unpacked bundle's grader and tests, as its setup.sh does once for the grading image
    (a grader then never compiles them, whatever PYTHONDONTWRITEBYTECODE says)."""
    subprocess.run([str(python), "-m", "compileall", "-q", "grader", "tests"], cwd=source, check=True)


def otter_lean_venv(base_python, work, fresh, log):
    """The cached lean Otter venv: (python, install record)."""
    version = python_version(base_python)
    folder = work / f"otter-lean-py{'.'.join(version.split('.')[:2])}"
    stamp = folder / ".bench-install.json"
    key = hashlib.sha256(OTTER_REQUIREMENTS.read_bytes() + version.encode()).hexdigest()
    record = json.loads(stamp.read_text()) if stamp.is_file() else {}
    if fresh or record.get("key") != key or not (folder / "bin" / "python").exists():
        say(f"Creating the lean Otter venv {folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder}"
            " (once; cached afterwards, --fresh redoes it) ...")
        seconds, added = fresh_venv(base_python, folder, OTTER_REQUIREMENTS, log)
        record = {"key": key, "seconds": seconds, "bytes": added, "python": version,
                  "measured": time.strftime("%Y-%m-%d %H:%M"), "cached": False}
        stamp.write_text(json.dumps(record, indent=2) + "\n")
    else:
        record["cached"] = True
    return folder / "bin" / "python", record


# --------------------------------------------------------------------------- submissions


def solution_notebook(name):
    from builder import __main__ as build
    from builder import config, notebooks, render

    assignment = config.load(name)
    text = build.notebook_text(render.environment(assignment), assignment, build.facts(assignment))
    return notebooks.run_pipeline(text, notebooks.SOLUTION_PIPELINE)


def batch_notebooks(name, solution, count):
    """count notebooks: the solution, then the solution with one function replaced by each
    implementation of the assignment's bank (tests/NAME/files/implementations/) in turn, cycling."""
    from tests.conftest import with_cell_replaced

    variants = [("solution", solution)]
    for path in sorted((REPO / "tests" / name / "files" / "implementations").glob("*/*.py")):
        variants.append((f"{path.parent.name}__{path.stem}",
                         with_cell_replaced(solution, path.parent.name, path.read_text())))
    return {f"{index:03d}_{variants[index % len(variants)][0]}": variants[index % len(variants)][1]
            for index in range(count)}


def make_grade_command(bundle, name, submissions, out, jobs):
    """`make grade`'s command line for the bundle (dist/autograder/NAME-autograder.zip)."""
    return [sys.executable, "-m", "classroom", "--dist", str(bundle.resolve().parents[1]), "--assignment", name,
            "--submissions", str(submissions), "--out", str(out), "--jobs", str(jobs)]


def full_marks_check(results_path, total):
    """After each run: did it write a results.json giving every point? (Then remove it.)"""
    results_path = pathlib.Path(results_path)

    def check():
        data = json.loads(results_path.read_text())
        results_path.unlink()
        got = sum(test.get("score", 0) for test in data["tests"])
        if got != total:
            raise SystemExit(f"expected {total} points in {results_path}, got {got}")

    return check


# --------------------------------------------------------------------------- report


def mb(value):
    return "-" if value is None else f"{value / 1e6:.0f} MB"


def verdict(ok):
    return "PASS" if ok else "MISS"


def report(context, single, dev, batch, installs):
    lines = []
    add = lines.append
    add("")
    add(f"make bench: {context['cpu']}, {context['cores']} cores, load average before {context['load']}")
    add(f"Submission: the solution notebook ({context['points']} points; every run checked to score them all).")
    others = max(row["others"] for row in [*single, *dev, batch])
    add(f"Other processes on this machine kept up to {others:.1f} of its {context['cores']} cores busy"
        " during the measurements.")
    if others > 0.25:
        add("WARNING: the machine was busy, so wall times are inflated (CPU seconds much less so):")
        add("run `make bench` again on an idle machine before judging the goals.")
    add("")
    add("1. Grading one submission (median of N runs after one warm-up)")
    header = (f"   {'runner and environment':<58} {'N':>2} {'median':>7} {'min':>6} {'max':>6} {'CPU':>6}"
              f" {'peak RSS':>9} {'tree':>7} {'others':>6}")
    add(header)
    add("   " + "-" * (len(header) - 3))
    for row in single + dev:
        add(f"   {row['label']:<58} {row['runs']:>2} {row['median']:>6.2f}s {row['min']:>5.2f}s {row['max']:>5.2f}s"
            f" {row['cpu']:>5.2f}s {mb(row['max_rss']):>9} {mb(row['tree_peak']):>7} {row['others']:>6.1f}")
    ours, otter = single
    ratio = otter["median"] / ours["median"]
    add(f"   speed-up, otter run / ours, lean environments: {ratio:.1f}x wall time"
        f" ({otter['cpu'] / ours['cpu']:.1f}x CPU)   goal >= {GOALS['speedup']:.0f}x:"
        f" {verdict(ratio >= GOALS['speedup'])}")
    if dev:
        add(f"   speed-up in the dev .venv: {dev[1]['median'] / dev[0]['median']:.1f}x wall time"
            f" ({dev[1]['cpu'] / dev[0]['cpu']:.1f}x CPU)")
        overhead = dev[2]["median"] - dev[0]["median"]
        add(f"   make grade on one notebook takes {overhead:+.2f} s more than the bundle's grader (medians)"
            f"   goal <= {GOALS['make_grade_overhead']:.1f} s: {verdict(overhead <= GOALS['make_grade_overhead'])}")
    add("   CPU: user + system seconds of the whole process tree. peak RSS: its largest process (ru_maxrss,")
    add("   as /usr/bin/time -v reports it). tree: peak sum of RSS over the tree (grader + student process,")
    add("   otter + Jupyter kernel), sampled every 5 ms in one extra run. others: cores other processes kept")
    add("   busy meanwhile (the machine's load besides ours).")
    add("")
    add(f"2. Batch of {batch['count']} submissions (solution + variants from the bank of implementations),")
    add(f"   `make grade` code path (python -m classroom), --jobs {batch['jobs']}")
    per_submission = batch["seconds"] / batch["count"]
    add(f"   {batch['seconds']:.1f} s wall, {per_submission:.2f} s per submission,"
        f" {batch['cpu']:.1f} s CPU ({batch['cpu'] / batch['count']:.2f} s per submission);"
        f" {batch['graded']}/{batch['count']} results + grades.csv; peak RSS {mb(batch['max_rss'])};"
        f" others {batch['others']:.1f} cores")
    add(f"   goal <= {GOALS['batch_per_submission']:.2f} s per submission on 2 cores:"
        f" {verdict(per_submission <= GOALS['batch_per_submission'])}"
        f"   (CPU / cores = {batch['cpu'] / batch['jobs']:.1f} s, the wall time's floor on idle cores)")
    add("")
    add(f"3. Install into a fresh venv, Python {installs['python']}:"
        " pip install --no-cache-dir --only-binary=:all: -r ...")
    add(f"   {'requirements':<58} {'time':>7} {'disk added':>11}")
    ours_install, otter_install = installs["ours"], installs["otter"]
    ok = (ours_install["seconds"] < GOALS["install_seconds"]
          and ours_install["bytes"] / 1e6 < GOALS["install_mb"])
    add(f"   {'our bundle: requirements.txt (numpy==2.2.6)':<58} {ours_install['seconds']:>6.1f}s"
        f" {mb(ours_install['bytes']):>11}   goal < {GOALS['install_seconds']:.0f} s,"
        f" < {GOALS['install_mb']:.0f} MB: {verdict(ok)}")
    pins = sum(1 for line in OTTER_REQUIREMENTS.read_text().splitlines() if "==" in line and line[0] != "#")
    note = f"   (cached venv, measured {otter_install['measured']})" if otter_install["cached"] else ""
    add(f"   {f'lean otter: bench/requirements-otter-lean.txt ({pins} pins)':<58} {otter_install['seconds']:>6.1f}s"
        f" {mb(otter_install['bytes']):>11}{note}")
    add("   Otter's own Gradescope setup.sh installs much more (Miniforge, a conda env, Chromium).")
    add("   Install times depend on the network and on pip's configured index.")
    add("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=pathlib.Path, required=True, help="dist/autograder/NAME-autograder.zip")
    parser.add_argument("--work", type=pathlib.Path, default=REPO / "dist" / "bench")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of our grader (default 7)")
    parser.add_argument("--otter-repeat", type=int, default=3, help="timed runs of otter run (default 3)")
    parser.add_argument("--batch", type=int, default=100, help="submissions in the batch (default 100)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached lean Otter venv")
    parser.add_argument("--no-dev-env", action="store_true", help="skip the timings in the dev .venv")
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.exit(f"No bundle at {args.bundle}: run `make` first.")

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    log.write_text("")
    context = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    env = otter_bundle.clean_environment()

    base = find_python310() or sys.executable
    say(f"Python for the lean venvs: {base} ({python_version(base)}); log: {log}")

    # environments: ours fresh every run, the lean otter one cached
    say("Installing our bundle's requirements.txt into a fresh venv ...")
    source = work / "source"  # the bundle unpacked, as Gradescope's /autograder/source
    shutil.rmtree(source, ignore_errors=True)
    with zipfile.ZipFile(args.bundle) as archive:
        archive.extractall(source)
    ours_venv = work / "ours-venv"
    seconds, added = fresh_venv(base, ours_venv, source / "requirements.txt", log)
    installs = {"python": python_version(base), "ours": {"seconds": seconds, "bytes": added}}
    for python in (ours_venv / "bin" / "python", sys.executable):
        compile_bytecode(python, source)
    otter_python, installs["otter"] = otter_lean_venv(base, work, args.fresh, log)

    say("Building the equivalent Otter bundle with `otter generate` ...")
    name = otter_bundle.assignment_name(args.bundle)
    otter_zip = otter_bundle.build(args.bundle, work / f"{name}-otter-autograder.zip")

    solution = solution_notebook(name)
    submission = work / "submission" / otter_bundle.submission_name(args.bundle)
    submission.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(solution, submission)
    config = json.loads((source / "config.json").read_text())
    points = sum(question["points"] for question in config["questions"])
    context["points"] = points

    def ours_series(python, label, repeat):
        results = work / "ours-results.json"
        command = grader.command(source, submission, results, python=python)
        return timed_series(label, command, source, env, log, repeat, full_marks_check(results, points))

    def make_grade_series(label, repeat):
        one, out = work / "make-grade-one", work / "make-grade-out"
        shutil.rmtree(one, ignore_errors=True)
        one.mkdir()
        shutil.copyfile(submission, one / submission.name)
        command = make_grade_command(args.bundle, name, one, out, args.jobs)
        return timed_series(label, command, REPO, env, log, repeat,
                            full_marks_check(out / f"{submission.stem}.json", points))

    def otter_series(python, label, repeat):
        out = work / "otter-out"
        out.mkdir(exist_ok=True)
        command = otter_bundle.otter_run_command(python, otter_zip, submission, out)
        return timed_series(label, command, out, env, log, repeat, full_marks_check(out / "results.json", points))

    py = installs["python"]
    say("Timing one submission ...")
    single = [
        ours_series(ours_venv / "bin" / "python", f"ours: grader grade, py{py} + numpy", args.repeat),
        otter_series(otter_python, f"otter run 7.0.0, py{py} + otter-grader[grading] + numpy", args.otter_repeat),
    ]
    dev = []
    if not args.no_dev_env:
        dev_py = platform.python_version()
        dev = [
            ours_series(sys.executable, f"ours, dev .venv (py{dev_py}, Jupyter, matplotlib, ...)", args.repeat),
            otter_series(sys.executable, f"otter run, dev .venv (py{dev_py}, Jupyter, ...)", args.otter_repeat),
            make_grade_series(f"make grade on it (python -m classroom), dev .venv (py{dev_py})", args.repeat),
        ]

    say(f"Grading a batch of {args.batch} submissions with --jobs {args.jobs} ...")
    batch_dir, batch_out = work / "batch", work / "batch-results"
    shutil.rmtree(batch_dir, ignore_errors=True)
    shutil.rmtree(batch_out, ignore_errors=True)
    batch_dir.mkdir()
    for stem, notebook in batch_notebooks(name, solution, args.batch).items():
        nbformat.write(notebook, batch_dir / f"{stem}.ipynb")
    command = make_grade_command(args.bundle, name, batch_dir, batch_out, args.jobs)
    load = OtherLoad()
    run = measure(command, REPO, env, log)
    load.ours = run.cpu
    if run.returncode != 0:
        sys.exit(f"the batch failed (exit {run.returncode}); see {log}")
    graded = len(list(batch_out.glob("*.json")))
    if not (batch_out / "grades.csv").is_file() or graded != args.batch:
        sys.exit(f"the batch wrote {graded} of {args.batch} results; see {log}")
    batch = {"count": args.batch, "jobs": args.jobs, "seconds": run.seconds, "cpu": run.cpu, "graded": graded,
             "max_rss": run.max_rss, "others": load.cores()}

    table = report(context, single, dev, batch, installs)
    print(table)
    (work / "bench.txt").write_text(table + "\n")
    with tempfile.NamedTemporaryFile("w", dir=work, delete=False, suffix=".json") as handle:
        json.dump({"context": context, "single": single, "dev": dev, "batch": batch, "installs": installs},
                  handle, indent=2)
    os.replace(handle.name, work / "bench.json")


if __name__ == "__main__":
    main()
