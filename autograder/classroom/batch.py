"""Grade a folder of submissions, each in its own grading process; one failure never stops the rest.

`make grade` (classroom.__main__) calls `batch` with an unpacked bundle (DIR: config.json,
tests/, the reference module, the grader) and what its intake staged (classroom.intake.Staged:
per submission its stem, path below the staging folder, students and submission id, and the inputs
it could not take with the reason). Each submission is graded by the bundle's own grader: one grading
server per job (`python -m grader serve`, grader/server.py) forks a process per submission that runs
what `python -m grader grade` runs on Gradescope. `batch` writes, in OUT (which may already exist):

    OUT/<stem>.json            the results Gradescope would get (always written, valid)
    OUT/grades.csv, OUT/gradescope_import.csv, OUT/not_graded.csv   (classroom.gradebooks)
    OUT/feedback/<stem>.html   what the student would see on Gradescope
    OUT/report.html            the class report (classroom.report)

Files an earlier run wrote (OUTPUTS_MANIFEST lists them) that this run did not write are
removed, so OUT holds exactly this run's results; files it did not write are left alone.
A progress bar shows the running count, the rate and the time left.
"""

import concurrent.futures
import json
import subprocess
import sys
import time
import traceback

from grader import results, safe_text
from grader.files import write_bytes, write_json, write_text
from grader.sandbox.levels import Limits

from . import gradebooks
from .servers import Graders

GRADE_TIMEOUT_MARGIN = 60  # seconds past a submission's budget before `batch` gives up on its grader
OUTPUTS_MANIFEST = ".make-grade-outputs.txt"  # one path a line; not *.json, which are results


def grade_timeout(config):
    """A last resort: the grader keeps to the submission's budget (total_seconds) itself."""
    return float(config.get("limits", {}).get("total_seconds", Limits.total_seconds)) + GRADE_TIMEOUT_MARGIN


def notebook_path(staged, entry):
    """Where the intake staged entry's notebook."""
    return (staged.folder / entry["path"]).resolve()


def safe_roster(staged):
    """The staged submissions with their names and ids made safe: they come from the export, student text."""
    entries = [dict(entry, submission_id=safe_text.line(entry["submission_id"]),
                    students=[{key: safe_text.line(value) for key, value in student.items()}
                              for student in entry["students"]])
               for entry in staged.submissions]
    return entries, list(staged.not_graded)


class Outputs:
    """The files this tool wrote into OUT, kept in OUT/OUTPUTS_MANIFEST across runs."""

    def __init__(self, out_dir):
        self.out_dir, self.path = out_dir, out_dir / OUTPUTS_MANIFEST
        try:  # file names need not be UTF-8: kept byte for byte (surrogateescape)
            self.earlier = set(filter(None, self.path.read_text("utf-8", "surrogateescape").split("\n")))
        except (OSError, ValueError):
            self.earlier = set()
        self.now = set()

    def expect(self, names):
        """Record what this run will write before writing it, so nothing escapes the manifest."""
        self.now |= set(names)
        self._write(self.earlier | self.now)

    def _write(self, names):
        write_bytes(self.path, "".join(f"{name}\n" for name in sorted(names)).encode("utf-8", "surrogateescape"))

    def finish(self):
        """Remove what earlier runs wrote and this one did not: (removed, foreign files)."""
        removed = sorted(self.earlier - self.now)
        for name in removed:
            path = self.out_dir / name
            if path.parent.resolve().is_relative_to(self.out_dir) and not path.is_symlink():
                path.unlink(missing_ok=True)
        self._write(self.now)
        ours = self.now | {OUTPUTS_MANIFEST}
        foreign = sorted(path.relative_to(self.out_dir).as_posix() for path in self.out_dir.rglob("*")
                         if path.is_file() and path.relative_to(self.out_dir).as_posix() not in ours)
        return removed, foreign


def prepare_pages():
    """Import the progress bar and the pages' renderer and compile their templates, which take as long as
    starting a grader: `make grade` does it while its isolation probe runs."""
    import tqdm  # noqa: F401 - imported for batch, ahead of it

    from . import report

    report.compile_templates()


def head_start(source_dir, staged, graders):
    """Start grading the first submission batch will grade, before it is called (Graders.head_start)."""
    if staged.submissions:
        config = json.loads((source_dir / "config.json").read_text())
        graders.head_start(notebook_path(staged, staged.submissions[0]), grade_timeout(config))


def batch(source_dir, staged, out_dir, jobs, environment=None, graders=None):
    """Grade every submission staged by classroom.intake in its own grading process; one failure never
    stops the rest. environment: of the grading servers (None: this process's). graders: a Graders of
    source_dir to use (its caller closes it), or None for one of this batch's own."""
    entries, not_graded = safe_roster(staged)
    source = staged.source
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(out_dir)
    outputs.expect([f"{e['stem']}.json" for e in entries] + [f"feedback/{e['stem']}.html" for e in entries]
                   + [*gradebooks.FILES, "report.html"])
    config = json.loads((source_dir / "config.json").read_text())
    questions = [(q["name"], q["points"]) for q in config["questions"]]
    timeout = grade_timeout(config)
    count = f"{len(entries)} submission{'' if len(entries) == 1 else 's'}"
    print(f"Grading {count} from {source} with {jobs} job(s) into {out_dir}", flush=True)
    import tqdm  # imported when needed (prepare_pages), not when `make grade` starts

    from . import report

    own_graders = graders is None
    graders = Graders(source_dir, environment) if own_graders else graders
    progress = tqdm.tqdm(total=len(entries), file=sys.stdout, unit="notebook", dynamic_ncols=True,
                         bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")

    def run(entry):
        notebook = notebook_path(staged, entry)
        name = safe_text.line(entry["input"])  # file names are the student's too: shown only this way
        result_path = out_dir / f"{entry['stem']}.json"
        result_path.unlink(missing_ok=True)  # never report an earlier run's results as this one's
        started, why, last_words = time.monotonic(), [], []
        try:
            status, stderr = graders.grade(notebook, result_path, timeout)
            last_words = [safe_text.line(line) for line in stderr.decode(errors="replace").split("\n")
                          if line.strip()][-1:]
            why = last_words if status else []
        except subprocess.TimeoutExpired:
            why = [f"the grader did not finish within {timeout:.0f} s"]
        except OSError as error:
            why = [str(error)]
        try:
            data = json.loads(result_path.read_text())
        except (OSError, ValueError):
            data = None
        if data is None:  # the grader process died: still write a valid results file
            data = results.grader_failure(time.monotonic() - started)
            write_json(result_path, data)
            problem = f"{name}: NOT GRADED ({'; '.join(why) or 'no results written'})"
        else:
            problem = ""
        failed = bool((data.get("extra_data") or {}).get("grader_failed"))
        stem = safe_text.line(entry["stem"])
        page = out_dir / "feedback" / f"{entry['stem']}.html"
        try:
            write_text(page, report.feedback_page(stem, data if not failed else None))
        except Exception:  # a page that cannot be rendered must not stop the batch: write the short one
            traceback.print_exc()
            write_text(page, report.feedback_page(stem, None))
        if failed and not problem:
            problem = f"{name}: NOT GRADED (the grader failed on it{''.join(': ' + line for line in last_words)})"
        extra = data.get("extra_data") or {}
        if not problem and extra.get("isolation_weaker_because"):  # a weaker isolation level is never silent
            problem = (f"{name}: {data.get('score', 0)} (isolation {safe_text.line(extra.get('isolation_level'))}: "
                       f"{safe_text.line(extra['isolation_weaker_because'], limit=500)})")
        if problem:  # kept on screen above the bar
            progress.write(problem)
        progress.set_postfix_str(f"{name}: {data.get('score', 0)}", refresh=False)
        progress.update()
        return entry, (None if failed else data)

    records = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        results_in_order = list(pool.map(run, entries))
    finally:  # on the way out early, no grader may still read the folders about to be removed
        pool.shutdown(wait=False, cancel_futures=True)
        graders.stop()
        pool.shutdown(wait=True)
        if own_graders:
            graders.close()
        progress.close()
    for entry, data in results_in_order:
        records.append({"stem": safe_text.line(entry["stem"]), "file": entry["stem"], "results": data,
                        "students": entry["students"], "submission_id": entry["submission_id"]})
        if data is None:
            not_graded.append({"input": entry["input"], "reason": "the grader failed on it (see the batch output)"})
        elif (data.get("extra_data") or {}).get("unreadable"):  # scored 0, and the student is told why
            not_graded.append({"input": entry["input"], "reason": "unreadable, scored 0: "
                               + str(data["extra_data"].get("reason", "see its feedback page"))})

    not_graded = [{"input": safe_text.line(n["input"]), "reason": safe_text.line(n["reason"], limit=2000)}
                  for n in not_graded]  # file names and the grader's words about them: shown only this way
    rows = gradebooks.write(out_dir, records, [name for name, _ in questions], not_graded)
    try:
        title = f"Class report: {config['notebook'].removesuffix('.ipynb')}"
        stamp = time.strftime("graded %Y-%m-%d %H:%M")
        write_text(out_dir / "report.html",
                   report.class_report(records, questions, config.get("cases", {}), title=title, generated=stamp,
                                       not_graded=not_graded))
    except Exception:  # the grades are written; a report that fails must not hide them
        traceback.print_exc()
        print("Could not write report.html (see the error above).", file=sys.stderr)
    removed, foreign = outputs.finish()
    if not_graded:
        print(f"Not graded ({len(not_graded)}, listed in not_graded.csv):")
        for item in not_graded:
            print(f"  {item['input']}: {item['reason']}")
    if removed:
        print(f"Removed {len(removed)} file(s) of an earlier run that are not results of this run: "
              + ", ".join(removed[:20]) + (" ..." if len(removed) > 20 else ""))
    if foreign:
        print(f"Left alone in OUT ({len(foreign)} file(s) this tool did not write): "
              + ", ".join(foreign[:10]) + (" ..." if len(foreign) > 10 else ""))
    for line in report.isolation_summary(records):
        print(line)
    failures = sum(record["results"] is None for record in records)
    print(f"Wrote {len(records)} results, grades.csv ({rows['grades.csv']} rows), "
          f"gradescope_import.csv ({rows['gradescope_import.csv']} students), feedback/ and report.html to {out_dir}"
          + (f" ({failures} NOT GRADED)" if failures else ""))
