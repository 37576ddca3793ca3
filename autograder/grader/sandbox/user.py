"""The `user` level: a root grader where namespaces cannot be made (e.g. some containers).

Promises: the student runs under a user id of its own (UID_POOL, exclusive while it runs)
with no capabilities, no new privileges and a session keyring of its own, so it cannot
signal or trace the grader nor read its memory. The grader's folders (the bundle, the
submissions, and those named in VG_GRADER_SECRETS, e.g. `make grade`'s whole checkout)
are made unreadable to other users while any sandbox runs, and their modes restored after
the last one. The student's Python is a readable copy of the runtime where the original
is not readable by other users (Python under a mode-700 home, or inside a protected
folder). At the end every process of the user id is killed, and what it left is removed:
its keys, System V IPC objects and its files in the known world-writable folders (/tmp,
/var/tmp, /dev/shm, ... and the world-writable folders below them: leftovers.py).

Does NOT promise: a private view of the filesystem. The student can read what any user
may read on the host, and its files are found and deleted by owner at the end; a
world-writable folder elsewhere on the host (below a folder only its owner may write in)
is not searched.
Memory: see memory.py.
"""

import atexit
import fcntl
import json
import os
import shutil
import signal
import stat
import sys
import tempfile

from . import host, leftovers, memory
from .levels import (
    Level,
    SandboxUnavailable,
    confine_child,
    resource_limits,
    spawn_worker,
    student_environment,
    wait_or_kill,
    worker_argv,
)

SECRETS_VARIABLE = "VG_GRADER_SECRETS"  # os.pathsep-separated folders that are secret too
# Parts of a Python installation the student's worker never needs (large, or installed packages).
SHARED_TMP = "/tmp" if os.path.isdir("/tmp") else None  # where the student's folder and runtime copy go
RUNTIME_SKIPPED = {"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo",
                   "ensurepip", "lib2to3"}


class UserLevel(Level):
    name = "user"

    @staticmethod
    def problem():
        if os.geteuid() != 0:
            return "the grader is not root (it cannot give the student a user id of its own)"
        return ""

    def start(self, to_child_r, from_child_w):
        self.lease = self.folder = self.protection = self.cgroup = None
        self.all_killed = False  # no process of the lease's user id is left
        try:
            self.lease = host.UidLease(on_acquire=lambda uid: leftovers.clear_user(uid, uid))
        except OSError as error:
            raise SandboxUnavailable(str(error)) from None
        user = (self.lease.uid, self.lease.gid)
        secrets = self.secrets + secrets_from_environment()
        self.protection = Protection(secrets)
        python, site, library = student_runtime(secrets)
        self.folder = tempfile.mkdtemp(prefix="vg-student-", dir=SHARED_TMP)
        os.chown(self.folder, *user)
        self.cgroup = memory.MemoryCgroup(self.limits.total_memory_mb)
        plan = memory.plan(self.limits, self.cgroup.path is not None)
        self.memory = plan.describe()
        # Orphans of the notebook become our children: zombies to reap.
        host.prctl(host.PR_SET_CHILD_SUBREAPER, 1)
        environment = student_environment(self.folder, self.folder)
        if library:
            environment["LD_LIBRARY_PATH"] = library
        self.process = spawn_worker(worker_argv(to_child_r, from_child_w, python, site), self.folder,
                                    confine_child(resource_limits(self.limits, plan), user, self.cgroup.procs),
                                    (to_child_r, from_child_w), environment)
        self.sandbox_pid = self.process.pid

    def kill(self):
        if self.process is None or self.lease is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        host.kill_user(self.lease.uid)
        wait_or_kill(self.process)
        self.all_killed = host.kill_user(self.lease.uid)
        host.reap_orphans()

    def cleanup(self):
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self.lease is not None:
            leftovers.clear_user(self.lease.uid, self.lease.gid)
            self.lease.release(clean=self.all_killed)
            self.lease = None
        if self.protection is not None:
            self.protection.release()
            self.protection = None
        if self.cgroup is not None:
            self.cgroup.remove()


def secrets_from_environment():
    """Extra folders to protect at the user level, e.g. `make grade`'s checkout."""
    return [path for path in os.environ.get(SECRETS_VARIABLE, "").split(os.pathsep) if path]


# -- protecting the grader's folders --------------------------------------------------


class Protection:
    """chmod go-rwx on folders while any sandbox of any grader on this machine needs it.

    A registry in the root-only folder holds each folder's original mode and the grader
    processes relying on it: the mode is restored when the last of them releases it (or
    has died, noticed by the next grader that protects or releases).
    """

    def __init__(self, paths):
        self.paths = sorted({os.path.realpath(path) for path in paths if os.path.isdir(path)})
        self.pid = os.getpid()
        with self._registry() as registry:
            for path in self.paths:
                entry = registry.get(path)
                if entry is None:
                    mode = stat.S_IMODE(os.stat(path).st_mode)
                    if not mode & 0o077:
                        continue  # private already: nothing to restore
                    registry[path] = entry = {"mode": mode, "holders": []}
                    os.chmod(path, mode & ~0o077)
                entry["holders"].append(self.pid)

    def release(self):
        with self._registry() as registry:
            for path in self.paths:
                entry = registry.get(path)
                if entry is not None and self.pid in entry["holders"]:
                    entry["holders"].remove(self.pid)
        self.paths = []

    class _registry:
        """The registry, locked, with dead holders dropped and modes restored on exit."""

        def __enter__(self):
            folder = host.private_folder()
            self.path = os.path.join(folder, "protected.json")
            self.lock = os.open(os.path.join(folder, "protected.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self.lock, fcntl.LOCK_EX)
            try:
                with open(self.path) as handle:
                    self.data = json.load(handle)
            except (OSError, ValueError):
                self.data = {}
            return self.data

        def __exit__(self, *exc):
            try:
                for path, entry in list(self.data.items()):
                    entry["holders"] = [pid for pid in entry["holders"] if _alive(pid)]
                    if not entry["holders"]:
                        try:
                            os.chmod(path, entry["mode"])
                        except OSError:
                            pass
                        del self.data[path]
                with open(self.path + ".tmp", "w") as handle:
                    json.dump(self.data, handle)
                os.replace(self.path + ".tmp", self.path)
            finally:
                os.close(self.lock)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- a Python runtime the student can read --------------------------------------------

_runtime_copy = None


def student_runtime(secrets):
    """(python, site folder, library folder or None) for the student's worker.

    The grader's own interpreter and site folder (numpy's, with the other packages the
    namespace level shows too) where other users can read them and they lie in no
    protected folder; else copies (hard links where possible) in a folder only root can
    write, made once per grader process.
    """
    global _runtime_copy
    secret_folders = [os.path.realpath(path) for path in secrets]

    def usable(path):
        path = os.path.realpath(path)
        return host.world_readable(path) and not any(host.inside(path, folder) for folder in secret_folders)

    python_files = [os.path.realpath(sys.executable), os.__file__]
    interpreter_ok, site_ok = all(usable(path) for path in python_files), usable(host.runtime_files()[2])
    if interpreter_ok and site_ok:
        return sys.executable, host.numpy_site(), None
    if _runtime_copy is None:
        _runtime_copy = copy_runtime(with_site=not site_ok)
    python, site, library = _runtime_copy
    if not host.world_readable(python):
        raise SandboxUnavailable(f"the copy of the Python runtime in {SHARED_TMP} is not readable by other users")
    if interpreter_ok:
        python, library = sys.executable, None
    return python, site or host.numpy_site(), library


def _link_or_copy(source, target):
    """A hard link where the file is readable by others already (no mode of the original changes), else a copy."""
    if os.stat(source).st_mode & stat.S_IROTH:
        try:
            os.link(source, target, follow_symlinks=True)
            return
        except OSError:
            pass
    shutil.copy2(source, target)
    os.chmod(target, 0o755 if os.stat(target).st_mode & stat.S_IXUSR else 0o644)


def copy_runtime(with_site):
    """Copy the interpreter, its shared library, the standard library and (with_site) the site folder of numpy
    where anyone can read them: (python, site or None, library folder or None)."""
    folder = tempfile.mkdtemp(prefix="vg-runtime-", dir=SHARED_TMP)
    atexit.register(shutil.rmtree, folder, True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = os.path.realpath(sys.base_prefix)
    os.makedirs(os.path.join(folder, "bin"))
    python = os.path.join(folder, "bin", version)
    shutil.copy2(os.path.realpath(sys.executable), python)
    library = None
    for name in sorted(os.listdir(os.path.join(base, "lib"))) if os.path.isdir(os.path.join(base, "lib")) else []:
        if name.startswith("libpython") and ".so" in name:
            library = os.path.join(folder, "lib")
            os.makedirs(library, exist_ok=True)
            _link_or_copy(os.path.join(base, "lib", name), os.path.join(library, name))
    stdlib = os.path.dirname(os.path.realpath(os.__file__))
    shutil.copytree(stdlib, os.path.join(folder, "lib", version), copy_function=_link_or_copy, symlinks=False,
                    ignore=lambda _, names: [n for n in names if n in RUNTIME_SKIPPED])
    site = None
    if with_site:
        site = os.path.join(folder, "site")
        shutil.copytree(host.numpy_site(), site, copy_function=_link_or_copy, symlinks=True)
    os.chmod(python, 0o755)
    for root, _, _ in os.walk(folder):
        os.chmod(root, 0o755)  # folders of the copy only: the originals' modes never change
    return python, site, library
