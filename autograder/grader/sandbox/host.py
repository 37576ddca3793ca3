"""What the sandbox levels need from the host: system calls, processes, user ids, the runtime.

Shared by the levels (namespace.py, user.py, process.py); nothing here starts a student process.
"""

import ctypes
import fcntl
import importlib.util
import os
import pathlib
import pwd
import random
import signal
import stat
import sys
import tempfile
import time

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38
# User ids for student processes when the grader is root: one per running sandbox, so
# sandboxes graded in parallel cannot signal each other or share a process limit, and
# every process of one sandbox can be killed by its user id. Ids with a passwd entry are
# skipped. (Kept below 65536: containers often map only that many ids.)
UID_POOL = range(60100, 60612)

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def prctl(option, value):
    return libc().prctl(option, value, 0, 0, 0)


def inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def private_folder():
    """A folder only root can enter, for user id locks and caches (root graders only)."""
    for folder in ("/run/vg-grader", os.path.join(tempfile.gettempdir(), "vg-grader-0")):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            info = os.lstat(folder)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o077:
                return folder
        except OSError:
            continue
    raise OSError("no private folder for user id locks")


# -- the Python runtime the student runs ---------------------------------------------


def _numpy_init():
    """numpy/__init__.py of the numpy the grader would import, found without importing it (the grader
    starts the student process before it imports numpy)."""
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.origin:
        raise ModuleNotFoundError("numpy is not installed for the grader's Python")
    return spec.origin


def numpy_site():
    """The folder that holds the numpy package the grader uses (the student's too)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(_numpy_init())))


def runtime_files():
    """Files the student's Python must read: the interpreter, the stdlib and numpy."""
    numpy_init = _numpy_init()
    core = pathlib.Path(numpy_init).parent / "core"
    extensions = sorted(core.glob("_multiarray_umath*")) if core.is_dir() else []
    return [os.path.realpath(sys.executable), os.__file__, numpy_init] + [str(p) for p in extensions[:1]]


def runtime_folders():
    """Folders of the Python runtime, outside /usr (which is mounted whole)."""
    folders = []
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, numpy_site(),
                  os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))]
    for candidate in candidates:
        for path in dict.fromkeys([os.path.abspath(candidate), os.path.realpath(candidate)]):
            if os.path.isdir(path) and path not in folders:
                folders.append(path)
    return folders


def readable_by_others(path, below="/"):
    """Can any user read path, given that every folder from `below` down must be searchable?"""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        parent = os.path.dirname(path)
        while inside(parent, below) and parent != os.path.dirname(parent):
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
            parent = os.path.dirname(parent)
    except OSError:
        return False
    return True


def world_readable(path):
    """Can any user reach and read path (every parent folder searchable by others)?"""
    return readable_by_others(path, "/")


# -- processes ------------------------------------------------------------------------


def process_table():
    """{pid: (ppid, uid, state)} of every process this grader can see."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as handle:
                fields = dict(line.split(b":", 1) for line in handle.read().splitlines() if b":" in line)
            table[int(entry.name)] = (
                int(fields[b"PPid"]), int(fields[b"Uid"].split()[1]), fields[b"State"].split()[0].decode()
            )
        except (OSError, KeyError, ValueError, IndexError):
            continue  # gone meanwhile
    return table


def processes_of_user(uid):
    """Live processes of `uid` (zombies are dead already: their parent has yet to reap them)."""
    return [pid for pid, (_, owner, state) in process_table().items() if owner == uid and state != "Z"]


def processes_of_self():
    """Threads of this user now (RLIMIT_NPROC counts them all, not only the sandbox's)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def descendants(ancestor, table=None):
    table = process_table() if table is None else table
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], list(children.get(ancestor, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def reap_orphans(keep=()):
    """Reap the grader's zombie children (orphans it adopted as a subreaper), except `keep`."""
    for pid, (ppid, _, state) in process_table().items():
        if ppid == os.getpid() and state == "Z" and pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def signal_quietly(pid, signal_number):
    try:
        if pid:
            os.kill(pid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass


def as_user(uid, gid, action):
    """Run action() in a forked child under uid/gid (root only); wait for it.

    Only system calls run in the child: safe after fork in a threaded grader.
    """
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            action()
        except BaseException:  # noqa: B036 - the child must only ever exit
            pass
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def kill_user(uid):
    """SIGKILL every process of `uid` (root only): kill(-1) sent as that user, repeated. True if none is left.

    A forked child takes the user id and signals everything that user may signal, which
    is exactly the user's own processes, wherever they moved (new sessions, daemons).
    """

    def kill_everything():
        for _ in range(100):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                return

    for _ in range(10):
        if not processes_of_user(uid):
            return True
        as_user(uid, uid, kill_everything)
        time.sleep(0.005)
    return not processes_of_user(uid)


# -- user ids -------------------------------------------------------------------------


class UidLease:
    """A user id from `uids` (default UID_POOL) that no other sandbox on this machine holds right now.

    Each id has a lock file in the root-only private folder, and holding its lock (flock) is
    holding the id: concurrent sandboxes, of one grading run or of several, never share one.
    The file also says whether the id may hold leftovers: it names its holder from before the
    sandbox starts until `release(clean=True)`, once the level has removed what the sandbox
    left. Only an id whose last holder died before that is cleaned up on acquiring it (its
    processes killed, then on_acquire(uid)): a grader cleans up after its own sandboxes and
    dead graders' only, never where another grader's sandbox runs.

    OSError if none can be had (no private lock folder, every id in use): sharing one, or
    `nobody`, would let sandboxes signal each other and read what the other left.
    """

    def __init__(self, on_acquire=None, uids=None):
        self.fd = None
        uids = UID_POOL if uids is None else uids
        folder = private_folder()
        start = random.randrange(max(len(uids), 1))
        for offset in range(len(uids)):
            uid = uids[(start + offset) % len(uids)]
            try:
                pwd.getpwuid(uid)
                continue  # a real account
            except KeyError:
                pass
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(os.path.join(folder, f"uid-{uid}"), flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid = self.gid = uid
            self.fd = fd
            if os.pread(fd, 1, 0):  # its last holder died before cleaning up after its sandbox
                kill_user(uid)
                if on_acquire is not None:
                    on_acquire(uid)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"held by grader process {os.getpid()}\n".encode(), 0)
            return
        raise OSError(f"every user id of {uids[0]}-{uids[-1]} is in use by another sandbox" if len(uids)
                      else "no user id to give the sandbox")

    def release(self, clean=False):
        """Give the id back; clean: nothing the sandbox left remains (else the next holder cleans up first)."""
        if self.fd is not None:
            if clean:
                os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None
