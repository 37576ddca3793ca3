"""The student process is isolated as the threat model (README) asks, at every level the machine allows.

The levels (grader/sandbox/: namespace.py, user.py, process.py): `namespace` (root, or a user namespace: the student
sees only the Python runtime, its folder and a private /tmp, in its own PID namespace),
`user` (root without namespaces: a user id of its own, the grader's folders made private,
a readable copy of the runtime where needed) and `process` (only when asked for, never for
a root grader: same user, killed by process group and descendants). Each test runs a probe
notebook through the grader's Session, or grades a notebook with the bundle's grader, and
checks what the student could see and do, that nothing it started outlives it, and that
nothing it left (keys, IPC objects, files) reaches a later notebook.

Levels other than the one this machine picks are exercised by forcing VG_GRADER_ISOLATION
(a Gradescope container may forbid namespaces), or by running the grader as `nobody` in a
private mount namespace where the Python runtime is made readable to other users (it
lives under /root here).
"""

import functools
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
import zlib

import jsonschema
import nbformat
import pytest

import grader
from grader import sandbox
from grader.sandbox import host, leftovers, levels, memory
from grader.sandbox.user import Protection

from ..conftest import ASSIGNMENT, FAST_LIMITS, REPO, RESULTS_SCHEMA

pytestmark = pytest.mark.slow  # every level is tested by starting real sandboxes

CORPUS = REPO / "tests" / "files" / "adversarial"
NOTEBOOKS = sorted(path.stem for path in CORPUS.glob("*.ipynb")
                   if path.name not in json.loads((CORPUS / "malformed.json").read_text()))


def corpus():
    """tests/grader/test_adversarial.py, which grades the corpus at the namespace level (it imports this module)."""
    from . import test_adversarial

    return test_adversarial


@pytest.fixture(scope="session")
def blank_notebook_score(fast_source, student_notebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("isolation-blank")
    nbformat.write(student_notebook, folder / "blank.ipynb")
    return corpus().grade_file(fast_source, folder / "blank.ipynb", folder)[0]["score"]

ROOT = os.geteuid() == 0
# Enough memory in all (24 processes of 256 MB) for the fork bombs below to fork.
LIMITS = {"cell_seconds": 60, "notebook_seconds": 90, "call_seconds": 10, "processes": 24, "memory_mb": 1024,
          "total_memory_mb": 24 * 256}


def namespaces_work():
    """Can this machine make the namespaces the sandbox needs (as the current user)?"""
    command = ["unshare", "--mount", "--pid", "--fork", "--net", "--ipc", "--uts"]
    if not ROOT:
        command[1:1] = ["--user", "--map-current-user"]
    try:
        return subprocess.run(command + ["true"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


NAMESPACES = namespaces_work()


# -- probe notebooks: each cell leaves its findings in a variable ------------------------

FACTS = r'''
import os, socket, resource
facts = {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(),
         "home": os.environ.get("HOME"), "environment": sorted(os.environ)}
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line) \
    if os.path.exists("/proc/self/status") else {}
facts["cap_eff"] = status.get("CapEff", "").strip()
facts["no_new_privs"] = status.get("NoNewPrivs", "").strip()
facts["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else []
facts["address_space"] = resource.getrlimit(resource.RLIMIT_AS)[0]
facts["processes"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    facts["network"] = True
except OSError:
    facts["network"] = False
writable = []
for folder in ("/", "/usr", "/etc", os.path.dirname(os.__file__), "/tmp", os.getcwd()):
    try:
        with open(os.path.join(folder, "probe-write"), "w") as handle:
            handle.write("x")
        os.remove(os.path.join(folder, "probe-write"))
        writable.append(folder)
    except OSError:
        pass
facts["writable"] = writable
'''

READ = r'''
import os
readable = {}
for path in PATHS:
    try:
        with open(path, "rb") as handle:
            readable[path] = handle.read(200).decode("utf-8", "replace")
    except OSError as error:
        readable[path] = None
'''

WALK = r'''
import os
ALLOWED, NAMES, CANARY = {allowed!r}, {names!r}, {canary!r}
outside, named, canary_hits = [], [], []
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    for name in files + dirs:
        path = os.path.join(root, name)
        if any(part in path for part in NAMES):
            named.append(path)
        inside = any(path == a or path.startswith(a.rstrip("/") + "/") for a in ALLOWED)
        if not inside and name in files:
            outside.append(path)
            try:
                if CANARY in open(path, "rb").read(10**6).decode("utf-8", "replace"):
                    canary_hits.append(path)
            except OSError:
                pass
for pid in [p for p in os.listdir("/proc") if p.isdigit()] if os.path.isdir("/proc") else []:
    for part in ("environ", "cmdline"):
        try:
            if CANARY in open(f"/proc/{{pid}}/{{part}}", "rb").read().decode("utf-8", "replace"):
                canary_hits.append(f"/proc/{{pid}}/{{part}}")
        except OSError:
            pass
'''

SPAWN = r'''
import ctypes, os, signal, time
ctypes.CDLL(None).prctl(15, MARKER.encode(), 0, 0, 0)  # children inherit the name
with open(f"/tmp/{MARKER}.left", "w") as handle:  # a file left for the next notebook to find
    handle.write(MARKER)
for _ in range(3):  # daemons: double fork, new session, deaf to signals
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            time.sleep(600)
        os._exit(0)
spawned = 0
try:
    for _ in range(1000):  # a fork bomb, held by the process limit
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        spawned += 1
except OSError:
    pass
time.sleep(0.3)
'''

PROBE_PROGRAM = r'''
import json, os, sys, time
from grader import sandbox
from grader.sandbox import host
from grader.session import Session
spec = json.loads(sys.argv[1])
os.environ["VG_TEST_CANARY"] = spec["canary"]  # the grader's own environment holds a secret
session = Session(spec["cells"], sandbox.Limits(**spec["limits"]), spec["secrets"])
session.execute()
values = {name: value for name, (kind, value) in session.lookup(spec["names"]).items()}
process = session.process
report = {"level": process.level if process else None, "values": values, "grader_uid": os.getuid(),
          "errors": [[r.index, r.error] for r in session.reports if r.error], "problem": session.problem,
          "uid": process.uid if process else None,
          "memory": process.memory if process else None}
session.close()
time.sleep(0.2)
def named(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip() == spec["marker"]
    except OSError:
        return False
report["marked"] = [pid for pid, (_, _, state) in host.process_table().items()
                    if state != "Z" and named(pid)] if spec["marker"] else []
report["of_uid"] = host.processes_of_user(report["uid"]) if report["uid"] else []
report["left_in_tmp"] = os.path.exists(f"/tmp/{spec['marker']}.left") if spec["marker"] else False
print(json.dumps(report, default=repr))
'''


def run_probe(cells, names, secrets=(), marker="", level=None, user=None):
    """Run the probe cells through Session in a fresh grader process; its report as a dict.

    level forces VG_GRADER_ISOLATION; user (e.g. 65534) runs the grader as that user, in a
    private mount namespace where the Python runtime is readable by other users.
    """
    spec = {"cells": cells, "names": names, "secrets": [str(s) for s in secrets], "marker": marker,
            "limits": LIMITS, "canary": CANARY}
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if level:
        environment[sandbox.ISOLATION_VARIABLE] = level
    command = [sys.executable, "-c", PROBE_PROGRAM, json.dumps(spec)]
    if user is not None:
        command = private_view_command(command, user)
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240, check=False,
                               cwd="/")
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def private_view_command(command, user=None, hide=(), keep=(), readable_runtime=True):
    """`command` in a new mount namespace where the folders in `hide` look empty but for the runtime and `keep`
    (bound back), and, if readable_runtime, the folders that keep other users from the runtime are replaced."""
    blockers = {str(folder): set() for folder in hide}
    for folder in [*host.runtime_folders(), *map(str, keep)]:
        hiding = [blocker for blocker in blockers if host.inside(folder, blocker)]
        if hiding:
            blockers[hiding[0]].add(folder)
            continue
        for parent in reversed(pathlib.Path(folder).parents) if readable_runtime else ():
            if parent != pathlib.Path("/") and not parent.stat().st_mode & 0o001:
                blockers.setdefault(str(parent), set()).add(folder)
                break
    lines = ["set -e", "mount --make-rprivate /"]
    for number, (blocker, folders) in enumerate(sorted(blockers.items())):
        keeps = []
        for index, folder in enumerate(sorted(folders)):
            keep = f"/run/vg-keep-{os.getpid()}-{number}-{index}"
            lines += [f"mkdir -p {keep}", f"mount --bind {folder} {keep}"]
            keeps.append((keep, folder))
        mode = 1777 if blocker == tempfile.gettempdir() else 755  # a /tmp stays writable by everyone
        lines.append(f"mount -t tmpfs -o mode={mode} tmpfs {blocker}")
        for keep, folder in keeps:
            lines += [f"mkdir -p {folder}", f"mount --bind {keep} {folder}", f"umount {keep}", f"rmdir {keep}"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"] + command
    lines.append('exec "$@"')
    return ["unshare", "--mount", "--", "sh", "-c", "\n".join(lines), "sh"] + command


CANARY = "vg-canary-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def secrets_on_disk():
    """Secrets a thief would want, readable by anyone on the host: a bundle copy and a canary in /tmp."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="vg-secrets-"))
    os.chmod(folder, 0o755)
    (folder / "vanishing_gradients_reference.py").write_text(f"# {CANARY}\ndef prod(*args):\n    pass\n")
    (folder / "tests").mkdir()
    (folder / "tests" / "prod.py").write_text(f"# {CANARY} hidden tests\n")
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    canary = pathlib.Path(tempfile.gettempdir()) / f"{CANARY}.txt"
    canary.write_text(CANARY)
    os.chmod(canary, 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    canary.unlink()


def allowed_paths():
    """What a namespace sandbox may show: the runtime, its own folders, a few devices and /etc files."""
    allowed = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/tmp", levels.STUDENT_HOME,
               "/dev", "/etc/passwd", "/etc/group", "/etc/ld.so.cache"]
    return allowed + host.runtime_folders()


SECRET_NAMES = ["vanishing_gradients_reference", "vg-secrets-", "vg-bundle-", "/autograder/", CANARY,
                "/solutions/", str(REPO / "autograder"), str(REPO / "tests")]


# -- the level this machine uses -------------------------------------------------------


@pytest.mark.skipif(not NAMESPACES, reason="this machine cannot create the namespaces (the grader falls back)")
def test_this_machine_isolates_with_namespaces():
    """Where namespaces can be made (as here), does the grader use the namespace level?"""
    assert sandbox.isolation_level() == "namespace"
    process = sandbox.StudentProcess(sandbox.Limits())
    try:
        assert process.level == "namespace", process.describe()
    finally:
        process.kill()


def test_a_notebook_starts_running_before_the_grader_imports_numpy(tmp_path):
    """Can the grader's command line start a submission's notebook in its student process (at whatever level
    this machine allows) with numpy still unimported, so that the notebook runs while the grader imports numpy
    and the tests?"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 6 * 7")])
    nbformat.write(notebook, tmp_path / "lab.ipynb")
    script = (
        "import json, pathlib, sys, time\n"
        "from grader import pipeline, sandbox\n"
        "config = {'notebook': 'lab.ipynb', 'limits': sandbox.Limits()}\n"
        "process, cells, sent = pipeline.start_notebook(config, pathlib.Path(sys.argv[1]), sys.argv[2])\n"
        "numpy = sorted(name for name in sys.modules if name.split('.')[0] == 'numpy')\n"
        "events = [process.receive(time.monotonic() + 30)['event'] for _ in range(3)]\n"
        "process.kill()\n"
        "print(json.dumps([process.level, numpy, events, cells]))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(tmp_path / "lab.ipynb")],
                               capture_output=True, text=True, timeout=60,
                               env={**os.environ, "VG_GRADER_ISOLATION": sandbox.isolation_level()})
    assert completed.returncode == 0, completed.stderr
    level, imported, events, cells = json.loads(completed.stdout.strip().splitlines()[-1])
    assert level == sandbox.isolation_level() and imported == [], completed.stdout
    assert events == ["cell_start", "cell_end", "ready"] and cells == ["x = 6 * 7"]


@pytest.mark.skipif(not NAMESPACES, reason="needs namespaces")
def test_namespace_student_sees_only_the_runtime_and_its_folders(secrets_on_disk):
    """Walking the whole filesystem, does the student find only the runtime, its folder and a private /tmp?"""
    walk = WALK.format(allowed=allowed_paths(), names=SECRET_NAMES, canary=CANARY)
    report = run_probe([walk], ["outside", "named", "canary_hits"], marker="")
    values = report["values"]
    assert report["level"] == "namespace"
    assert values["named"] == [] and values["canary_hits"] == []
    assert values["outside"] == [], values["outside"][:20]


@pytest.mark.skipif(not NAMESPACES, reason="needs namespaces")
def test_namespace_student_is_unprivileged_and_offline():
    """Is the student an unprivileged user with no capabilities, no network, read-only runtime and its limits?"""
    report = run_probe([FACTS], ["facts"])
    facts = report["values"]["facts"]
    assert facts["uid"] != 0 and facts["gid"] != 0
    if ROOT:
        assert facts["uid"] in host.UID_POOL
    assert int(facts["cap_eff"], 16) == 0 and facts["no_new_privs"] == "1"
    assert facts["pid"] == 1 and facts["ppid"] == 0 and facts["pids"] == [1], "other processes are visible"
    assert facts["network"] is False
    assert sorted(facts["writable"]) == sorted({"/tmp", levels.STUDENT_HOME})
    plan = memory.plan(levels.Limits(**LIMITS), cgroup="(memory cgroup)" in report["memory"])
    assert facts["address_space"] == plan.address_space
    if ROOT:
        assert facts["processes"] == plan.processes
    assert facts["cwd"] == facts["home"] == levels.STUDENT_HOME
    assert not any("VG" in name or "GRADING" in name for name in facts["environment"])


@pytest.mark.skipif(not NAMESPACES, reason="needs namespaces")
def test_namespace_kills_every_process_the_notebook_started():
    """Do a fork bomb and double-forked setsid daemons that ignore signals all die when grading ends?"""
    marker = "vg" + uuid.uuid4().hex[:13]
    report = run_probe([f"MARKER = {marker!r}\n" + SPAWN], ["spawned"], marker=marker)
    assert report["level"] == "namespace"
    assert 0 < report["values"]["spawned"] < LIMITS["processes"]
    assert report["marked"] == [] and report["of_uid"] == [] and not report["left_in_tmp"]


# -- the fallback levels ----------------------------------------------------------------


needs_root = pytest.mark.skipif(not ROOT, reason="the user level needs a root grader")
needs_tools = pytest.mark.skipif(not (ROOT and shutil.which("unshare") and shutil.which("setpriv")),
                                 reason="simulating other graders needs root, unshare and setpriv")


@needs_root
@needs_tools
def test_user_level_hides_protected_secrets_and_kills_by_user_id(secrets_on_disk):
    """Without namespaces, does the student run as its own user id, unable to read the protected bundle
    or the grader's /proc, and is every process of that user id killed at the end?"""
    marker = "vg" + uuid.uuid4().hex[:13]
    secret_file = secrets_on_disk / "vanishing_gradients_reference.py"
    grader_files = ["/proc/1/environ", f"{secret_file}", f"{secrets_on_disk / 'tests' / 'prod.py'}"]
    cells = [FACTS, f"PATHS = {grader_files!r}\n" + READ, f"MARKER = {marker!r}\n" + SPAWN]
    report = run_probe(cells, ["facts", "readable", "spawned"], secrets=[secrets_on_disk], marker=marker, level="user")
    assert report["level"] == "user"
    facts, readable = report["values"]["facts"], report["values"]["readable"]
    assert facts["uid"] in host.UID_POOL and facts["uid"] == report["uid"]
    assert int(facts["cap_eff"], 16) == 0 and facts["no_new_privs"] == "1"
    assert all(value is None for value in readable.values()), readable
    assert report["values"]["spawned"] > 0 and report["marked"] == [] and report["of_uid"] == []
    assert not report["left_in_tmp"], "a file the notebook left in /tmp survived"
    assert stat.S_IMODE(os.stat(secrets_on_disk).st_mode) == 0o755, "the secret folder's mode was not restored"


@needs_tools
def test_process_level_keeps_the_grader_safe_and_kills_descendants():
    """As a non-root grader without namespaces, are the notebook's daemons killed, the grader's memory and
    environment unreadable to it, and the keys, IPC objects and files it added removed, though it runs as the
    same user?"""
    marker = "vg" + uuid.uuid4().hex[:13]
    # Keys an earlier, killed run left under this test's own uid are not this run's to answer for.
    keys_before = set(leftovers.left_by(PROCESS_UID)["keys"])
    cells = [FACTS, "import os\nPATHS = [f'/proc/{os.getppid()}/environ', f'/proc/{os.getppid()}/mem']\n" + READ,
             f"MARKER = {marker!r}\n" + SPAWN] + leftover_cells(marker)
    report = run_probe(cells, ["facts", "readable", "spawned"], marker=marker, level="process", user=PROCESS_UID)
    assert report["level"] == "process"
    assert report["values"]["facts"]["uid"] == report["grader_uid"] == PROCESS_UID
    assert all(value is None for value in report["values"]["readable"].values()), report["values"]["readable"]
    assert report["values"]["spawned"] > 0 and report["marked"] == []
    assert not report["left_in_tmp"] and left_on_the_host(marker) == []
    assert set(leftovers.left_by(PROCESS_UID)["keys"]) - keys_before == set()


PROCESS_UID = 65533  # not `nobody`, whose processes another test counts against its process limit


def leftover_cells(marker):
    """The cells of the corpus's notebooks that leave keys, IPC objects and files, for `marker`."""
    cells = []
    for name in LEFTOVER_CASES:
        notebook = nbformat.read(CORPUS / f"{name}.ipynb", as_version=4)
        cells += [cell.source.replace("@MARKER@", marker) for cell in notebook.cells]
    return cells


@needs_tools
def test_non_root_grader_uses_a_user_namespace(secrets_on_disk):
    """As a non-root grader where user namespaces are allowed, is the student isolated by namespaces too?"""
    if not namespaces_in_user_namespace():
        pytest.skip("user namespaces are not allowed for unprivileged users here")
    marker = "vg" + uuid.uuid4().hex[:13]
    walk = WALK.format(allowed=allowed_paths(), names=SECRET_NAMES, canary=CANARY)
    cells = [FACTS, walk, f"MARKER = {marker!r}\n" + SPAWN]
    report = run_probe(cells, ["facts", "outside", "named", "canary_hits", "spawned"], marker=marker, user=65534)
    values = report["values"]
    assert report["level"] == "namespace", report
    assert values["facts"]["pids"][:1] == [1] and values["facts"]["network"] is False
    assert int(values["facts"]["cap_eff"], 16) == 0
    assert values["named"] == [] and values["canary_hits"] == [] and values["outside"] == []
    assert values["spawned"] > 0 and report["marked"] == []


def namespaces_in_user_namespace():
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user",
               "--map-current-user", "--mount", "--pid", "--fork", "--net", "true"]
    return subprocess.run(command, capture_output=True, timeout=10, check=False).returncode == 0


def test_levels_are_tried_strongest_first(monkeypatch):
    """Does VG_GRADER_ISOLATION only ever weaken the choice, and is the process level refused to a root grader?"""
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "process")
    assert [level for level, _ in sandbox.candidate_levels()] == ["process"]
    assert sandbox.isolation_level() == ("" if ROOT else "process")
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "nonsense")
    assert [level for level, _ in sandbox.candidate_levels()] == list(sandbox.LEVELS)


def test_a_grader_started_at_the_probed_level_gives_the_probes_reason(monkeypatch):
    """When `make grade` starts a grader at the level its one probe found, does the grader give the probe's
    reason for the stronger levels it skips (and, capped by hand without a probe, say it was capped)?"""
    reason = f"namespace: unshare is not allowed here ({uuid.uuid4().hex})"
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "user")
    monkeypatch.setenv(sandbox.PROBED_VARIABLE, reason)
    assert [level for level, _ in sandbox.candidate_levels()] == ["user", "process"]
    assert sandbox.skipped_levels() == [reason]
    monkeypatch.delenv(sandbox.PROBED_VARIABLE)
    assert sandbox.skipped_levels() == ["namespace: not tried (VG_GRADER_ISOLATION=user)"]
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "namespace")
    monkeypatch.setenv(sandbox.PROBED_VARIABLE, reason)
    assert sandbox.skipped_levels() == []  # the strongest level skips nothing, whatever the variable says


def test_process_level_only_when_asked_and_never_as_root(monkeypatch):
    """Is the process level (the student runs as the grader's user) refused unless asked for, and always for root?"""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv(sandbox.ISOLATION_VARIABLE, raising=False)
    assert "VG_GRADER_ISOLATION=process" in sandbox.ProcessLevel.problem()
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "process")
    assert sandbox.ProcessLevel.problem() == ""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert "root" in sandbox.ProcessLevel.problem()


def test_user_ids_are_exclusive_and_never_shared(monkeypatch):
    """Do two sandboxes never share a user id from the pool, and is no sandbox started when none is free?"""
    if ROOT:
        first, second = host.UidLease(), host.UidLease()
        try:
            assert first.uid != second.uid
            assert {first.uid, second.uid} <= set(host.UID_POOL)
        finally:
            first.release()
            second.release()
    monkeypatch.setattr(host, "UID_POOL", range(0))
    with pytest.raises(OSError):
        host.UidLease()


# -- memory ------------------------------------------------------------------------------


@pytest.mark.parametrize("total, per_process, processes", [(512, 1024, 64), (768, 300, 64), (200, 1024, 8),
                                                          (4096, 512, 3), (100, 50, 1)])
def test_memory_of_all_processes_fits_the_total(total, per_process, processes):
    """Without a memory cgroup, does the process limit times the address space per process fit the total,
    and with one, is each process held to the total (the cgroup holding them all)?"""
    limits = levels.Limits(total_memory_mb=total, memory_mb=per_process, processes=processes)
    split = memory.plan(limits, cgroup=False)
    assert split.processes * split.address_space <= total * 2**20
    assert 1 <= split.processes <= processes and split.address_space <= per_process * 2**20
    together = memory.plan(limits, cgroup=True)
    assert together.processes == processes and together.address_space == min(total, per_process) * 2**20


def test_memory_cgroup_caps_the_total_where_the_controller_is_delegated(tmp_path):
    """Given a cgroup v2 folder that offers the memory controller, is a child made with memory.max = the total;
    and where there is none, is no cgroup claimed (the split limits apply)?"""
    delegated = tmp_path / "delegated"
    delegated.mkdir()
    (delegated / "cgroup.subtree_control").write_text("cpu memory\n")
    cgroup = memory.MemoryCgroup(300, parent=str(delegated))
    child = pathlib.Path(cgroup.procs).parent
    assert child.parent == delegated and (child / "memory.max").read_text() == str(300 * 2**20)
    for file in child.iterdir():
        file.unlink()  # a real cgroup folder can be removed with its files; this one cannot
    cgroup.remove()
    assert not child.exists() and cgroup.procs is None
    not_a_cgroup = tmp_path / "not-a-cgroup"
    not_a_cgroup.mkdir()
    cgroup = memory.MemoryCgroup(300, parent=str(not_a_cgroup))
    assert cgroup.procs is None and cgroup.why and list(not_a_cgroup.iterdir()) == []
    assert memory.MemoryCgroup(300, root=str(tmp_path)).procs is None  # no cgroup v2 of the grader's there


def test_default_limits_fit_gradescopes_container():
    """Do the student's processes together fit Gradescope's default 768 MB with room for the grader?"""
    limits = levels.Limits()
    assert limits.total_memory_mb <= 768 - 256
    split = memory.plan(limits, cgroup=False)
    assert split.processes >= 3, "a notebook must still be able to run a shell command or start a daemon"


# -- the instructor's folders at the user level --------------------------------------------


@needs_root
def test_protection_restores_every_mode_after_the_last_grader(tmp_path):
    """Are protected folders private while any grader needs them, and their exact modes restored after the
    last one lets go (or dies)?"""
    modes = {"open": 0o755, "group": 0o750, "odd": 0o715, "private": 0o700}
    for name, mode in modes.items():
        (tmp_path / name).mkdir()
        os.chmod(tmp_path / name, mode)
    folders = [tmp_path / name for name in modes]
    first, second = Protection(folders), Protection(folders)
    assert all(not os.stat(folder).st_mode & 0o077 for folder in folders)
    first.release()
    assert all(not os.stat(folder).st_mode & 0o077 for folder in folders), "released while still needed"
    second.release()
    assert {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in folders} == modes
    dying = subprocess.run([sys.executable, "-c", "import sys; from grader.sandbox.user import Protection; "
                            "Protection(sys.argv[1:])", *map(str, folders)], check=True)
    assert dying.returncode == 0 and not os.stat(folders[0]).st_mode & 0o077
    Protection([]).release()  # the next grader notices the dead one
    assert {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in folders} == modes


def test_make_grade_keeps_the_whole_checkout_secret(tmp_path):
    """At the user level, does `make grade` protect the whole checkout with its git folders (a worktree's
    too), the bundle, the submissions and the results?"""
    from classroom import __main__ as grade_local

    common = tmp_path / "main" / ".git"
    (common / "worktrees" / "copy").mkdir(parents=True)
    (common / "worktrees" / "copy" / "commondir").write_text(f"{os.pardir}/{os.pardir}\n")  # git's relative form
    checkout = tmp_path / "copy"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {common / 'worktrees' / 'copy'}\n")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.zip").touch()
    folders = grade_local.secret_folders(checkout, tmp_path / "dist" / "autograder", tmp_path / "in" / "export.zip",
                                         tmp_path / "out")
    assert set(folders) >= {checkout, common / "worktrees" / "copy", common, tmp_path / "dist" / "autograder",
                            tmp_path / "in", tmp_path / "out"}  # a zip's folder, as it may hold other exports
    assert grade_local.secret_folders(REPO, REPO / "dist" / "autograder", tmp_path, tmp_path)[0] == REPO


def test_make_grade_refuses_the_process_level_unless_asked(monkeypatch, tmp_path, capsys):
    """When only the process level could run, does `make grade` refuse with what it means and how to do
    better, and warn loudly when the instructor asks for it?"""
    from classroom import __main__ as grade_local
    from classroom import batch as batch_module

    bundle = tmp_path / "dist" / "autograder" / f"{ASSIGNMENT}-autograder.zip"
    bundle.parent.mkdir(parents=True)
    zipfile.ZipFile(bundle, "w").close()
    arguments = ["--dist", str(tmp_path / "dist"), "--assignment", ASSIGNMENT, "--submissions", str(tmp_path),
                 "--out", str(tmp_path / "out")]
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(grade_local, "probe", lambda source, environment: {
        "level": "", "reason": "process: used only when asked for (VG_GRADER_ISOLATION=process)"})
    with pytest.raises(SystemExit) as refused:
        grade_local.main(arguments)
    assert "ISOLATION=process" in str(refused.value) and "stronger level" in str(refused.value)
    seen = {}

    def batch(source, staged, out, jobs, graders):
        seen.update(isolation=graders.updates.get("VG_GRADER_ISOLATION"),
                    probed=graders.updates.get("VG_GRADER_PROBED_BECAUSE"))

    probed = "namespace: unshare is not allowed here; user: the grader is not root"
    monkeypatch.setattr(grade_local, "probe", lambda source, environment: {"level": "process", "reason": probed})
    monkeypatch.setattr(batch_module, "batch", batch)
    grade_local.main(arguments + ["--isolation", "process"])
    assert seen == {"isolation": "process", "probed": probed}  # every grader starts at the probed level
    assert "WARNING: the process level runs every notebook as your own user" in capsys.readouterr().out


def first_grading_folder(tmp_path, notebook, stems):
    folder = tmp_path / "in"
    folder.mkdir()
    for stem in stems:
        nbformat.write(notebook, folder / f"{stem}.ipynb")
    return folder


@pytest.mark.skipif(not (ROOT or NAMESPACES), reason="no isolation level to grade at without asking for one")
def test_make_grade_takes_the_level_from_its_first_grading(monkeypatch, dist, solution_notebook, tmp_path, capsys):
    """Does `make grade` learn the isolation level from its first grading, with no probe process, announce it
    and start every later grader at it?"""
    from classroom import __main__ as grade_local

    def no_probe(source, environment):
        raise AssertionError("a probe ran although the first grading told the level")

    monkeypatch.setattr(grade_local, "probe", no_probe)
    folder = first_grading_folder(tmp_path, solution_notebook, ("ann", "ben", "cat"))
    grade_local.main(["--dist", str(dist), "--assignment", ASSIGNMENT, "--submissions", str(folder),
                      "--out", str(tmp_path / "out"), "--jobs", "1"])
    printed = capsys.readouterr().out
    graded = [json.loads((tmp_path / "out" / f"{stem}.json").read_text()) for stem in ("ann", "ben", "cat")]
    assert all(data["score"] == sum(test["max_score"] for test in data["tests"]) for data in graded)
    (level,) = {data["extra_data"]["isolation_level"] for data in graded}
    assert level in ("namespace", "user") and f"Isolation level: {level}" in printed


def test_make_grade_keeps_the_first_results_out_of_out_when_it_refuses(monkeypatch, dist, solution_notebook,
                                                                        tmp_path):
    """When the level the first grading found is not allowed, does `make grade` refuse with no results in OUT,
    no grading process left and nothing left of its private folders?"""
    from classroom import __main__ as grade_local

    seen = {}

    def refused(source, graders):
        seen.update(results=graders.head_start_results(), logs=graders.logs)  # the first grading has ended
        return {"level": "", "reason": "namespace: not here; user: the grader is not root"}

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(grade_local, "isolation", refused)
    folder = first_grading_folder(tmp_path, solution_notebook, ("ann", "ben"))
    with pytest.raises(SystemExit) as refusal:
        grade_local.main(["--dist", str(dist), "--assignment", ASSIGNMENT, "--submissions", str(folder),
                          "--out", str(tmp_path / "out")])
    assert "Refusing to grade" in str(refusal.value)
    assert seen["results"] is not None  # it graded, into its private folder only
    assert not list((tmp_path / "out").rglob("*")) and not seen["logs"].exists()


@pytest.mark.parametrize("results", [
    None,  # nothing graded ahead, or no results written
    {"extra_data": {"isolation_level": "none", "isolation_weaker_because": "the process could not start"}},
    {"extra_data": {"unreadable": True}},
    {"extra_data": {"isolation_level": ["namespace"]}},
    {"extra_data": "namespace"},
    ["namespace"],
])
def test_make_grade_probes_where_the_first_grading_cannot_tell(monkeypatch, results):
    """Where the first grading cannot tell the level (nothing to grade, a notebook that never ran, results of
    another shape), does `make grade` ask one probe process instead, and take the first grading's level
    without one where it can?"""
    from classroom import __main__ as grade_local

    class Graders:
        environment = {"A": "1"}

        def head_start_results(self):
            return results

    probed = {"level": "user", "reason": "namespace: unshare is not allowed here"}
    asked = []
    monkeypatch.setattr(grade_local, "probe", lambda source, environment: asked.append(environment) or probed)
    assert grade_local.isolation("source", Graders()) == probed and asked == [{"A": "1"}]
    results = {"extra_data": {"isolation_level": "user", "isolation_weaker_because": "namespace: no"}}
    assert grade_local.isolation("source", Graders()) == {"level": "user", "reason": "namespace: no"}
    assert len(asked) == 1


def test_weaker_level_is_loud_in_the_class_report():
    """Does the class report (and `make grade`'s summary) say which notebooks ran below the strongest level,
    and why?"""
    from classroom import report

    def record(stem, level, why):
        extra = {"isolation_level": level, "isolation_weaker_because": why}
        return {"stem": stem, "results": {"score": 1, "tests": [], "extra_data": extra}}

    records = [record("a", "namespace", ""), record("b", "user", "namespace: unshare: Operation not permitted"),
               record("c", "user", "namespace: unshare: Operation not permitted"), {"stem": "d", "results": None}]
    lines = report.isolation_summary(records)
    assert lines[0] == "Isolation: 1 at the namespace level, 2 at the user level"
    assert lines[1] == ("WARNING: 2 notebook(s) not at the strongest isolation level "
                        "(user: namespace: unshare: Operation not permitted)")
    page = report.class_report(records, [("prod", 8)], {})
    assert "WARNING: 2 notebook(s) not at the strongest isolation level" in page


@needs_root
@needs_tools
def test_user_level_runs_an_unreadable_runtime_from_a_readable_copy():
    """Where the grader's Python is unreadable to other users (under a mode-700 home, as with pyenv), does the
    user level still run the notebook, from a readable copy, rather than falling lower?"""
    if all(host.world_readable(path) for path in host.runtime_files()):
        pytest.skip("the runtime here is readable by other users")
    cells = ["import sys, numpy\nruntime = [sys.executable, numpy.__file__, float(numpy.linalg.norm(numpy.eye(2)))]"]
    report = run_probe(cells, ["runtime"], level="user")
    assert report["level"] == "user" and report["errors"] == [], report
    python, numpy_file, norm = report["values"]["runtime"]
    assert "vg-runtime-" in python and abs(norm - 2**0.5) < 1e-12
    assert host.world_readable(host.runtime_files()[2]) or "vg-runtime-" in numpy_file


# -- graded through the bundle, at the namespace and user levels ---------------------------


def grade_at(level, source, path, tmp_path, hide=()):
    """(results, seconds, results size) of grading `path` with the bundle's grader capped at `level`.

    hide: folders the grader's machine must not show (other checkouts holding the reference),
    made empty in a private mount namespace, as on Gradescope where only the bundle exists.
    """
    results_path = tmp_path / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, sandbox.ISOLATION_VARIABLE: level}
    command = grader.command(source, path, results_path)
    if hide:
        command = private_view_command(command, hide=hide, keep=[source, results_path.parent, path.parent],
                                       readable_runtime=False)
    started = time.monotonic()
    completed = subprocess.run(command, cwd=source, env=environment, capture_output=True, text=True, check=False,
                               timeout=time_bound() + 3 * corpus().SLACK_SECONDS)
    seconds = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(results_path.read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    if results["extra_data"].get("unreadable"):  # refused before any of its code ran: no student process
        return results, seconds, results_path.stat().st_size
    assert results["extra_data"]["isolation_level"] == level, results["extra_data"]
    if level != sandbox.LEVELS[0]:  # weaker than the strongest: the results say so, and why
        assert sandbox.LEVELS[0] in results["extra_data"]["isolation_weaker_because"]
        assert f"grader note: your notebook ran at the isolation level '{level}'" in corpus().plain(results["output"])
    return results, seconds, results_path.stat().st_size


def time_bound():
    """Seconds one submission of the corpus may take: its total budget, plus start-up and writing results."""
    return FAST_LIMITS["total_seconds"] + corpus().SLACK_SECONDS


SYSTEM_FOLDERS = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "proc", "run", "sbin", "sys", "usr", "var"}


@functools.cache
def other_copies():
    """Where a development machine keeps copies of the reference that a Gradescope container does not have:
    the top folder of this checkout, the temporary folder, and every folder where a walk of the disk finds
    what the corpus's disk-walking thief looks for (other checkouts, builds, unpacked bundles). A top
    folder of the system is never hidden whole: only the folder holding the find."""
    found = {pathlib.Path(tempfile.gettempdir())}
    if len(REPO.parts) > 2:
        found.add(pathlib.Path("/", REPO.parts[1]))
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if d not in ("site-packages", "versions", "node_modules")
                   and not (root == "/" and d in ("proc", "sys", "dev", "usr"))]
        if any(name.startswith("vanishing_gradients") or "reference" in name for name in files) or (
                "solution" in root and files):
            parts = pathlib.Path(root).parts
            if len(parts) > 1 and parts[1] not in SYSTEM_FOLDERS:
                found.add(pathlib.Path("/", parts[1]))
            elif len(parts) > 2:
                found.add(pathlib.Path(root))
    covered = [folder for folder in found if any(other != folder and host.inside(str(folder), str(other))
                                                 for other in found)]
    return sorted(found - set(covered))


LEVELS_TO_TRY = [pytest.param("namespace", marks=pytest.mark.skipif(not NAMESPACES, reason="needs namespaces")),
                 pytest.param("user", marks=[needs_root, needs_tools])]
LEFTOVER_CASES = [name for name in NOTEBOOKS if name.startswith("cheat_leave_")]


def named_below(roots, marker):
    """Entries named after `marker` anywhere below `roots`, in every folder other users may enter."""
    found = []
    for root in roots:
        for folder, folders, names in os.walk(root):
            found += [os.path.join(folder, name) for name in folders + names if marker in name]
            folders[:] = [name for name in folders if marker not in name and enterable(os.path.join(folder, name))]
    return found


def enterable(folder):
    """May users other than its owner enter `folder` (so a student could have reached what is below)?"""
    try:
        return bool(os.lstat(folder).st_mode & stat.S_IXOTH)
    except OSError:  # gone meanwhile
        return False


def left_on_the_host(marker):
    """What a notebook named after `marker` left where a later one could find it: files (in the world-writable
    folders the grader cleans, searched from their tops), IPC objects, keys (of every pool user id no live
    sandbox holds: another grading's may run beside this one)."""
    found = named_below([folder for folder in leftovers.KNOWN_WORLD_WRITABLE if os.path.isdir(folder)], marker)
    base = zlib.crc32(marker.encode()) & 0x3FFFFFF0
    for kind in leftovers.SYSV_KINDS:
        lines = pathlib.Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        found += [f"{kind} {line.split()[:2]}" for line in lines if int(line.split()[0]) - base in range(8)]
    deadline = time.monotonic() + 3
    while True:  # unlinked keys are destroyed by the kernel's key collector, soon after
        # A revoked key (flag R) has lost its payload and can be neither read nor found; it stays listed only
        # while a dying process's credentials still hold it, which under load can outlast the wait.
        keys = [line.strip() for line in pathlib.Path("/proc/keys").read_text().splitlines()
                if marker in line and line.split()[1][1] != "R"]
        if not keys or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for line in pathlib.Path("/proc/key-users").read_text().splitlines():
        uid = int(line.split(":")[0])
        if uid not in host.UID_POOL:
            continue
        try:
            lease = host.UidLease(uids=[uid])  # held while looking, so that no sandbox starts under it meanwhile
        except OSError:
            continue  # a live sandbox holds it: not this test's to inspect
        left = leftovers.left_by(uid)
        lease.release(clean=not any(left.values()))
        keys += [f"key {key} of uid {uid}" for key in left["keys"]]
    return found + keys


@pytest.mark.parametrize("level", LEVELS_TO_TRY)
@pytest.mark.parametrize("name", LEFTOVER_CASES)
def test_nothing_outlives_a_sandbox(name, level, fast_source, student_notebook, solution_notebook,
                                    blank_notebook_score, tmp_path):
    """Graded twice with the same marker, does the second run find nothing the first left (keys, IPC objects,
    files), is nothing left on the host after either, and is each result valid, prompt and small?"""
    marker = "vgleft" + uuid.uuid4().hex[:10]
    notebook = tmp_path / "vanishing_gradients.ipynb"
    nbformat.write(corpus().assemble(name, student_notebook, solution_notebook, marker), notebook)
    for run in (1, 2):
        results, seconds, size = grade_at(level, fast_source, notebook, tmp_path / f"run{run}")
        output = corpus().plain(results["output"])
        assert "leaked" not in output, f"run {run} found what an earlier run left:\n{results['output'][:3000]}"
        assert results["score"] <= blank_notebook_score
        assert seconds < time_bound() and size < 2**20
        assert left_on_the_host(marker) == [], f"left after run {run}"
    assert name != "cheat_leave_kernel_keys" or "planted keys" not in output  # output is the grader's, not stdout


CONCURRENT_PROGRAM = r"""
import json, sys
from grader import sandbox
from grader.sandbox import host
from grader.session import Session
spec = json.loads(sys.argv[1])
host.UID_POOL = range(*spec["pool"])
runs = []
for _ in range(spec["sessions"]):
    session = Session(spec["cells"], sandbox.Limits(**spec["limits"]))
    session.execute()
    kind, intact = session.lookup(["intact"])["intact"]
    process = session.process
    runs.append({"uid": process and process.uid, "level": process and process.level, "intact": intact,
                 "problem": session.problem})
    session.close()
print(json.dumps(runs))
"""

HOLD_STATE = r"""
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD_KEY, KEYCTL, KEYCTL_DESCRIBE = 248, 250, 6  # x86_64
key = libc.syscall(ADD_KEY, b"user", MARKER.encode(), b"mine", ctypes.c_size_t(4), ctypes.c_long(-4))
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
with open(f"/tmp/{MARKER}", "w") as handle:
    handle.write("mine")
time.sleep(HOLD_SECONDS)  # the other grading starts and cleans up its sandboxes meanwhile
intact = {"key": key > 0 and libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_DESCRIBE), ctypes.c_long(key),
                                          ctypes.create_string_buffer(256), ctypes.c_long(256)) > 0,
          "process": os.waitpid(child, os.WNOHANG) == (0, 0), "file": os.path.exists(f"/tmp/{MARKER}")}
"""


def start_grading(level, cells, sessions, pool):
    """A grader process running `sessions` notebooks of `cells` one after the other, with user ids from `pool`."""
    spec = {"cells": cells, "sessions": sessions, "pool": [pool.start, pool.stop], "limits": LIMITS}
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO / "autograder"),
                   sandbox.ISOLATION_VARIABLE: level}
    return subprocess.Popen([sys.executable, "-c", CONCURRENT_PROGRAM, json.dumps(spec)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment, cwd="/")


def finished(grading):
    out, err = grading.communicate(timeout=120)
    assert grading.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the notebook adds keys with x86-64 system call numbers")
@pytest.mark.parametrize("level", LEVELS_TO_TRY)
def test_concurrent_gradings_leave_each_others_sandboxes_alone(level, tmp_path):
    """With three user ids for two gradings at once, does a notebook keep its key, process and file while the
    other grading starts and cleans up sandbox after sandbox beside it, and does each get ids of its own?"""
    if not ROOT:
        pytest.skip("user ids of their own need a root grader")
    marker = "vgboth" + uuid.uuid4().hex[:10]
    pool = range(host.UID_POOL.start, host.UID_POOL.start + 3)
    holder = start_grading(level, [f"MARKER, HOLD_SECONDS = {marker!r}, 4", HOLD_STATE], 1, pool)
    time.sleep(1.5)  # its sandbox runs, holding its state
    neighbour = start_grading(level, [f"open('/tmp/{marker}-neighbour', 'w').close()", "intact = True"], 5, pool)
    held, beside = finished(holder), finished(neighbour)
    assert held[0]["level"] == level and held[0]["intact"] == {"key": True, "process": True, "file": True}, held
    assert all(run["intact"] is True and run["level"] == level for run in beside), beside
    assert held[0]["uid"] not in {run["uid"] for run in beside}
    assert left_on_the_host(marker) == []


@pytest.mark.parametrize("level", LEVELS_TO_TRY)
def test_memory_of_all_processes_is_bounded(level, fast_source, student_notebook, solution_notebook, tmp_path):
    """Does a notebook that forks and fills every process it can hold no more memory in all than the total?"""
    notebook = tmp_path / "vanishing_gradients.ipynb"
    hoard = corpus().assemble("runaway_hoards_memory_in_many_processes", student_notebook, solution_notebook, "vgmem")
    nbformat.write(hoard, notebook)
    results, seconds, size = grade_at(level, fast_source, notebook, tmp_path)
    held = re.search(r"held (\d+) mb in (\d+) processes", corpus().plain(results["output"]))
    assert held, results["output"][:2000]
    assert 0 < int(held.group(1)) <= levels.Limits().total_memory_mb
    assert seconds < time_bound() and size < 2**20


@needs_root
def test_student_code_never_runs_as_root(fast_source, student_notebook, tmp_path):
    """When the only level left would run the notebook as root, is it not run, with a valid result saying why?"""
    notebook = tmp_path / "vanishing_gradients.ipynb"
    nbformat.write(student_notebook, notebook)
    with pytest.raises(AssertionError):  # the level is "none", not "process"
        grade_at("process", fast_source, notebook, tmp_path)
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert results["score"] == 0 and results["extra_data"]["isolation_level"] == "none"
    assert "student code never runs as root" in corpus().plain(results["output"])
    assert "root" in results["extra_data"]["isolation_weaker_because"]


@needs_root
@needs_tools
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_corpus_at_the_user_level(name, fast_source, student_notebook, solution_notebook, blank_notebook_score,
                                  question_points, tmp_path):
    """Graded at the user level (a container that forbids namespaces), does this notebook of the adversarial
    corpus get the result it gets at the namespace level, in bounded time, with nothing left running?"""
    adversarial = corpus()
    marker = "vg" + uuid.uuid4().hex[:13]
    path = tmp_path / "submission" / "vanishing_gradients.ipynb"
    path.parent.mkdir()
    adversarial.write_case(name, path, student_notebook, solution_notebook, marker)
    results, seconds, size = grade_at("user", fast_source, path, tmp_path, other_copies())
    assert seconds < time_bound() and size < 2**20, f"{name}: grading took {seconds:.1f} s, {size} bytes"
    deadline = time.monotonic() + 2
    while adversarial.processes_named(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not adversarial.processes_named(marker), f"{name}: processes started by the notebook survived grading"
    output = adversarial.plain(results["output"])
    for phrase in adversarial.spec(name)["output"]:
        assert phrase.lower() in output, f"{name}: {phrase!r} not in:\n{results['output'][:3000]}"
    adversarial.check_expected_score(name, results, blank_notebook_score, question_points)
