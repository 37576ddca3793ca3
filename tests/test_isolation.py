"""The student process is isolated as SPEC §4 asks, at every level the machine allows.

The levels (vg_grader/sandbox.py): `namespace` (root, or a user namespace: the student sees
only the Python runtime, its folder and a private /tmp, in its own PID namespace), `user`
(root without namespaces: a user id of its own, secrets chmod'ed unreadable) and `process`
(neither: same user, killed by process group and descendants). Each test runs a probe
notebook through the grader's Session and checks what the student could see and do, and
that nothing it started outlives it.

Levels other than the one this machine picks are exercised by running the probe as root
with VG_GRADER_ISOLATION forced, or as `nobody`, in a private mount namespace where the
Python runtime is made readable to other users (it lives under /root here).
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from vg_grader import host, isolation, leftovers, memory, sandbox
from vg_grader.isolation_user import Protection

from .conftest import REPO

ROOT = os.geteuid() == 0
LIMITS = {"cell_seconds": 60, "notebook_seconds": 90, "call_seconds": 10, "processes": 24, "memory_mb": 1024}


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
from vg_grader import host, isolation, leftovers, memory, sandbox
from vg_grader.isolation_user import Protection
from vg_grader.session import Session
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

    level forces VG_GRADER_ISOLATION; user (e.g. 65534) runs the grader as that user. Both
    run in a private mount namespace where the Python runtime is readable by other users.
    """
    spec = {"cells": cells, "names": names, "secrets": [str(s) for s in secrets], "marker": marker,
            "limits": LIMITS, "canary": CANARY}
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO / "autograder")}
    if level:
        environment[sandbox.ISOLATION_VARIABLE] = level
    command = [sys.executable, "-c", PROBE_PROGRAM, json.dumps(spec)]
    if level or user is not None:
        command = readable_runtime_command(command, user)
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240, check=False,
                               cwd="/")
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def readable_runtime_command(command, user):
    """`command` in a new mount namespace whose runtime folders are readable by anyone."""
    blockers = {}
    for folder in host.runtime_folders():
        path = pathlib.Path(folder)
        for parent in reversed(path.parents):
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
        lines.append(f"mount -t tmpfs -o mode=755 tmpfs {blocker}")
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
    allowed = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/tmp", isolation.STUDENT_HOME,
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
    assert sorted(facts["writable"]) == sorted({"/tmp", isolation.STUDENT_HOME})
    assert facts["address_space"] == LIMITS["memory_mb"] * 2**20
    assert facts["cwd"] == facts["home"] == isolation.STUDENT_HOME
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
    assert not os.stat(secrets_on_disk).st_mode & 0o077, "the secret folder was not protected"


@needs_tools
def test_process_level_keeps_the_grader_safe_and_kills_descendants():
    """As a non-root grader without namespaces, are the notebook's daemons killed, and the grader's memory
    and environment unreadable to it, though it runs as the same user?"""
    marker = "vg" + uuid.uuid4().hex[:13]
    cells = [FACTS, "import os\nPATHS = [f'/proc/{os.getppid()}/environ', f'/proc/{os.getppid()}/mem']\n" + READ,
             f"MARKER = {marker!r}\n" + SPAWN]
    report = run_probe(cells, ["facts", "readable", "spawned"], marker=marker, level="process", user=65534)
    assert report["level"] == "process"
    assert report["values"]["facts"]["uid"] == report["grader_uid"] == 65534
    assert all(value is None for value in report["values"]["readable"].values()), report["values"]["readable"]
    assert report["values"]["spawned"] > 0 and report["marked"] == []
    pathlib.Path(f"/tmp/{marker}.left").unlink(missing_ok=True)  # same user: nothing private to clean


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
    """Does VG_GRADER_ISOLATION only ever weaken the choice, and does the process level always remain?"""
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "process")
    assert [level for level, _ in sandbox.candidate_levels()] == ["process"]
    assert sandbox.isolation_level() == "process"
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "nonsense")
    assert [level for level, _ in sandbox.candidate_levels()] == list(sandbox.LEVELS)


def test_user_ids_are_exclusive_and_fall_back_to_nobody(monkeypatch):
    """Do two sandboxes never share a user id from the pool, and is `nobody` shared (never killed by
    user id) only when the pool cannot be used?"""
    if ROOT:
        first, second = sandbox.UidLease(), sandbox.UidLease()
        try:
            assert first.own and second.own and first.uid != second.uid
            assert {first.uid, second.uid} <= set(host.UID_POOL)
        finally:
            first.release()
            second.release()
    monkeypatch.setattr(sandbox, "UID_POOL", range(0))
    lease = sandbox.UidLease()
    assert not lease.own and lease.uid != 0
