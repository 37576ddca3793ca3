"""Run a submission's cells in a separate, limited process and call its functions.

The student process is a fresh ``python -I`` started with the worker's source on its
command line: it imports nothing from the grader's folders. The grader talks to it over
two pipes and trusts nothing it says beyond plain data (codec.py). Every wait has a
deadline; every process it starts is killed at the end.

How strongly it is isolated depends on what the machine allows; the strongest level
available is used (``isolation_level()`` tells which):

``namespace``  Linux namespaces (launcher.py): the student runs as an unprivileged user
               (root graders: a user id of its own from UID_POOL; others: a user
               namespace) in new mount, PID, network, IPC and UTS namespaces. It sees only
               the Python runtime (read-only), its own working folder and a private /tmp;
               it is PID 1 of its PID namespace, so killing it kills everything it started.
``user``       root without namespaces: the student runs under a user id of its own, so it
               cannot read the grader's folders (chmod go-rwx, see protect()), cannot
               signal or trace the grader, and every process it starts can be found and
               killed by that user id.
``process``    neither root nor namespaces: the same user, in a new session; its processes
               are killed by process group and by walking the grader's descendants (the
               grader is a child subreaper, so daemons that double-fork stay descendants).
               This level keeps a notebook from hanging or crashing the grader, but cannot
               keep files of the same user secret from it.

VG_GRADER_ISOLATION=user|process (in the grader's environment) forces a weaker level, for tests.
"""

import binascii
import ctypes
import dataclasses
import fcntl
import marshal
import os
import pathlib
import pwd
import random
import resource
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

from . import codec

HEADER = struct.Struct(">I")
INTERRUPT_GRACE_SECONDS = 1.0
START_SECONDS = 15  # to get a sandbox running (not the notebook)
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
ISOLATION_VARIABLE = "VG_GRADER_ISOLATION"
SECRETS_VARIABLE = "VG_GRADER_SECRETS"  # os.pathsep-separated folders that are secret too
LEVELS = ("namespace", "user", "process")
# User ids for student processes when the grader is root: one per running sandbox, so
# sandboxes graded in parallel cannot signal each other or share a process limit, and
# every process of one sandbox can be killed by its user id. Ids with a passwd entry are
# skipped. (Kept below 65536: containers often map only that many ids.)
UID_POOL = range(60100, 60612)
STUDENT_HOME = "/home/student"
TMPFS_MB = 64  # each of the sandbox's /tmp and working folder
FILE_SIZE_MB = 64
PATH = "/usr/local/bin:/usr/bin:/bin"

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38


@dataclasses.dataclass(frozen=True)
class Limits:
    cell_seconds: float = 20
    notebook_seconds: float = 90
    call_seconds: float = 5
    memory_mb: int = 1024
    output_kb: int = 256
    processes: int = 64
    case_seconds: float = 20  # all calls of one test case together
    total_seconds: float = 120  # everything for one submission, restarts included
    reply_kb: int = 64  # one message of the student process (decoding it stays well under a second)

    @classmethod
    def from_mapping(cls, mapping):
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = set(mapping) - fields
        if unknown:
            raise ValueError(f"unknown limits {sorted(unknown)}; known: {sorted(fields)}")
        for name, value in mapping.items():
            if type(value) not in (int, float) or not value > 0:
                raise ValueError(f"limit {name} must be a positive number, not {value!r}")
        return cls(**mapping)


class StudentProcessError(Exception):
    """The student process stopped answering: it died, timed out or broke the protocol."""


class Timeout(StudentProcessError):
    pass


class SandboxUnavailable(Exception):
    """This isolation level cannot be set up here; the next one is tried."""


# -- the programs the sandbox runs ---------------------------------------------------


def worker_program():
    """Python source that loads the codec and the worker from text and runs the worker."""
    sources = {name: (PACKAGE_DIR / f"{name}.py").read_text() for name in ("codec", "worker")}
    return (
        "import sys, types\n"
        f"if {numpy_site()!r} not in sys.path:\n"
        f"    sys.path.append({numpy_site()!r})\n"
        "def _load(name, source):\n"
        "    module = types.ModuleType(name)\n"
        "    sys.modules[name] = module\n"
        "    exec(compile(source, name + '.py', 'exec'), module.__dict__)\n"
        "    return module\n"
        f"_load('vg_grader_codec', {sources['codec']!r})\n"
        f"_load('vg_grader_worker', {sources['worker']!r}).main()\n"
    )


def numpy_site():
    """The folder that holds the numpy package the grader uses (the student's too)."""
    import numpy

    return os.path.dirname(os.path.dirname(os.path.abspath(numpy.__file__)))


def student_environment(home, tmp):
    return {
        "PATH": PATH,
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: faster for small matrices, and threads count as processes.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def resource_limits(limits, processes):
    memory = int(limits.memory_mb) * 2**20
    cpu = int(limits.total_seconds) + 10
    return [
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, FILE_SIZE_MB * 2**20),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, processes),
    ]


# -- what this machine allows ---------------------------------------------------------

_libc = None
_unavailable = {}  # level -> why it failed at run time in this grader process


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    return _libc


def prctl(option, value):
    return libc().prctl(option, value, 0, 0, 0)


def runtime_files():
    """Files the student's Python must read: the interpreter, the stdlib and numpy."""
    import numpy

    core = pathlib.Path(numpy.__file__).parent / "core"
    extensions = sorted(core.glob("_multiarray_umath*")) if core.is_dir() else []
    return [os.path.realpath(sys.executable), os.__file__, numpy.__file__] + [str(p) for p in extensions[:1]]


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


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def readable_by_others(path, below="/"):
    """Can any user read path, given that every folder from `below` down must be searchable?"""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        parent = os.path.dirname(path)
        while _inside(parent, below) and parent != os.path.dirname(parent):
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
            parent = os.path.dirname(parent)
    except OSError:
        return False
    return True


def world_readable(path):
    """Can any user reach and read path (every parent folder searchable by others)?"""
    return readable_by_others(path, "/")


def _namespace_problem():
    if not sys.platform.startswith("linux"):
        return "Linux namespaces need Linux"
    if os.geteuid() == 0:
        roots = ["/usr"] + runtime_folders()
        for path in runtime_files():
            below = max((r for r in roots if _inside(os.path.realpath(path), os.path.realpath(r))),
                        key=len, default="/")
            if not readable_by_others(path, os.path.realpath(below)):
                return f"{path} is not readable by other users"
        return ""
    try:
        if int(pathlib.Path("/proc/sys/user/max_user_namespaces").read_text()) <= 0:
            return "user namespaces are disabled"
    except (OSError, ValueError):
        return "user namespaces are not available"
    return ""


def _level_problem(level):
    """Why `level` cannot be used here ('' if it can, as far as can be told beforehand)."""
    if level in _unavailable:
        return _unavailable[level]
    if level == "namespace":
        return _namespace_problem()
    if level == "user":
        if os.geteuid() != 0:
            return "the grader is not root"
        for path in runtime_files():
            if not world_readable(path):
                return f"{path} is not readable by other users"
    return ""


def candidate_levels():
    """[(level, problem)] from the strongest allowed level down; problem '' if usable."""
    forced = os.environ.get(ISOLATION_VARIABLE, "").strip()
    levels = LEVELS[LEVELS.index(forced):] if forced in LEVELS else LEVELS
    return [(level, _level_problem(level)) for level in levels]


def isolation_level():
    """The level the next student process of this grader process will (try to) use."""
    return next(level for level, problem in candidate_levels() if not problem)


# -- user ids -------------------------------------------------------------------------


def _lock_folder():
    for folder in ("/run/vg-grader", os.path.join(tempfile.gettempdir(), "vg-grader-0")):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            info = os.lstat(folder)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o077:
                return folder
        except OSError:
            continue
    raise OSError("no private folder for user id locks")


class UidLease:
    """A user id from UID_POOL that no other sandbox on this machine holds right now.

    If none can be had (no private lock folder, every id in use), `nobody` is shared
    instead: still unprivileged, but then processes cannot be told apart by user id, so
    `own` is False and nothing is killed or deleted by user id.
    """

    def __init__(self):
        self.fd = None
        try:
            folder = _lock_folder()
        except OSError:
            folder = None
        start = random.randrange(max(len(UID_POOL), 1))
        for offset in range(len(UID_POOL) if folder else 0):
            uid = UID_POOL[(start + offset) % len(UID_POOL)]
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
            self.fd, self.own = fd, True
            kill_user(uid)  # anything left by a grader that crashed while holding it
            return
        try:
            entry = pwd.getpwnam("nobody")
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        except KeyError:
            self.uid = self.gid = 65534
        self.own = False

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# -- processes ------------------------------------------------------------------------


def _process_table():
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
    return [pid for pid, (_, owner, state) in _process_table().items() if owner == uid and state != "Z"]


def descendants(ancestor, table=None):
    table = _process_table() if table is None else table
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
    for pid, (ppid, _, state) in _process_table().items():
        if ppid == os.getpid() and state == "Z" and pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def kill_user(uid):
    """SIGKILL every process of `uid` (root only): kill(-1) sent as that user, repeated.

    A forked child takes the user id and signals everything that user may signal, which
    is exactly the user's own processes, wherever they moved (new sessions, daemons).
    """
    for _ in range(10):
        if not processes_of_user(uid):
            return
        child = os.fork()
        if child == 0:  # only system calls from here: safe after fork in a threaded process
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                for _ in range(100):
                    os.kill(-1, signal.SIGKILL)
            except BaseException:  # noqa: B036 - ProcessLookupError: nothing left to kill
                pass
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        time.sleep(0.005)


def remove_files_of(uid, folders=("/tmp", "/var/tmp", "/dev/shm")):
    """User level: delete what the notebook left in shared temporary folders (the next
    notebook, under another user id, must not read it)."""
    for folder in dict.fromkeys([tempfile.gettempdir(), *folders]):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


def secrets_from_environment():
    """Extra folders to protect at the user level, e.g. `make grade`'s checkout (solutions/, dist/)."""
    return [path for path in os.environ.get(SECRETS_VARIABLE, "").split(os.pathsep) if path]


def protect(paths):
    """Make the grader's own folders unreadable to other users (user level)."""
    runtime = [os.path.realpath(path) for path in runtime_files()]
    for path in paths:
        if any(_inside(file, os.path.realpath(path)) for file in runtime):
            continue  # the student's Python lives there: it must stay readable
        try:
            mode = os.stat(path).st_mode
            if mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & ~0o077)
        except OSError:
            pass


class OutputCapture(threading.Thread):
    """Drains the student's stdout/stderr, keeping only the first `limit` bytes."""

    def __init__(self, stream, limit):
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.kept, self.total = bytearray(), 0

    def run(self):
        while True:
            try:
                chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.total += len(chunk)
            room = self.limit - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]

    def text(self):
        text = self.kept.decode("utf-8", errors="replace")
        if self.total > self.limit:
            text += f"\n[... {self.total - self.limit} more bytes of output not kept]"
        return text


class StudentProcess:
    """One student process: start, run cells, answer lookups and calls, then kill."""

    def __init__(self, limits, secrets=()):
        self.limits = limits
        self.secrets = [str(path) for path in secrets]
        self.level = self.reason = ""
        self.process = self.sandbox_pid = self.lease = self.folder = None
        self.output = None
        problems = []
        for level, problem in candidate_levels():
            if problem:
                problems.append(f"{level}: {problem}")
                continue
            try:
                self._start(level)
            except SandboxUnavailable as error:
                _unavailable[level] = str(error)
                problems.append(f"{level}: {error}")
                self._abandon()
                continue
            self.level, self.reason = level, "; ".join(problems)
            break
        else:  # pragma: no cover - the process level always starts
            raise StudentProcessError("no way to start the notebook's process: " + "; ".join(problems))
        self.output = OutputCapture(self.process.stdout, int(limits.output_kb) * 1024)
        self.output.start()

    def _start(self, level):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        try:
            if level == "namespace":
                self._start_namespace(to_child_r, from_child_w)
            else:
                self._start_plain(level, to_child_r, from_child_w)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        os.set_blocking(self.to_child, False)

    def _worker_argv(self, to_child_r, from_child_w):
        return [sys.executable, "-I", "-c", worker_program(), str(to_child_r), str(from_child_w)]

    # -- namespace level ------------------------------------------------------------

    def _start_namespace(self, to_child_r, from_child_w):
        userns = os.geteuid() != 0
        if userns:
            uid, gid = 1000, 1000
            processes = _processes_of_self() + int(self.limits.processes)
        else:
            self.lease = UidLease()
            uid, gid = self.lease.uid, self.lease.gid
            processes = int(self.limits.processes)
        self.folder = tempfile.mkdtemp(prefix="vg-root-")
        status_r, status_w = os.pipe()
        config = {
            "status_fd": status_w,
            "close_fds": [to_child_r, from_child_w],
            "parent": os.getpid(),
            "root": self.folder,
            "userns": userns,
            "uid": uid,
            "gid": gid,
            "host_uid": os.geteuid(),
            "host_gid": os.getegid(),
            "mounts": sandbox_mounts(uid, gid),
            "workdir": STUDENT_HOME,
            "rlimits": resource_limits(self.limits, processes),
            "argv": self._worker_argv(to_child_r, from_child_w),
            "env": student_environment(STUDENT_HOME, "/tmp"),
        }
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", (PACKAGE_DIR / "launcher.py").read_text(),
                 binascii.b2a_base64(marshal.dumps(config), newline=False).decode()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(to_child_r, from_child_w, status_w),
                cwd="/",
                env={"PATH": PATH, "LANG": "C.UTF-8"},
                start_new_session=True,
            )
        finally:
            os.close(status_w)
        try:
            status = self._read_status(status_r)
        finally:
            os.close(status_r)
        errors = [line[6:] for line in status if line.startswith("error ")]
        pids = [int(line[4:]) for line in status if line.startswith("pid ") and line[4:].isdigit()]
        if errors or not pids:
            raise SandboxUnavailable(errors[0] if errors else "the launcher stopped")
        self.sandbox_pid = pids[0]

    def _read_status(self, fd):
        """Lines the launcher and its child write before the child starts the worker."""
        deadline = time.monotonic() + START_SECONDS
        data = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise SandboxUnavailable("the sandbox did not start in time")
            chunk = os.read(fd, 4096)
            if not chunk:
                return data.decode(errors="replace").splitlines()
            data += chunk

    # -- user and process levels ----------------------------------------------------

    def _start_plain(self, level, to_child_r, from_child_w):
        self.folder = tempfile.mkdtemp(prefix="vg-student-")
        user = None
        if level == "user":
            self.lease = UidLease()
            user = (self.lease.uid, self.lease.gid)
            os.chown(self.folder, *user)
            protect(self.secrets + secrets_from_environment())
            processes = int(self.limits.processes)
        else:
            prctl(PR_SET_DUMPABLE, 0)  # same user: keep it out of /proc/<grader>/mem
            processes = _processes_of_self() + int(self.limits.processes)
        # Orphans of the notebook become our children: descendants to kill, zombies to reap.
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        limits = resource_limits(self.limits, processes)
        prctl_function = libc().prctl  # looked up now: after fork only plain calls are made

        def limit_child():
            """Runs in the child between fork and exec: limits first, then drop privileges."""
            for limit, value in limits:
                resource.setrlimit(limit, (value, value))
            if user:
                os.setgroups([])
                os.setgid(user[1])
                os.setuid(user[0])
            prctl_function(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            prctl_function(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

        self.process = subprocess.Popen(
            self._worker_argv(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(to_child_r, from_child_w),
            cwd=self.folder,
            env=student_environment(self.folder, self.folder),
            start_new_session=True,
            preexec_fn=limit_child,
        )
        self.sandbox_pid = self.process.pid

    # -- messages -------------------------------------------------------------------

    def send(self, message, deadline):
        body = codec.dumps(message)
        data = HEADER.pack(len(body)) + body
        while data:
            self._wait(self.to_child, deadline, write=True)
            try:
                data = data[os.write(self.to_child, data):]
            except BlockingIOError:
                continue
            except OSError as error:  # BrokenPipeError: the process is gone
                raise StudentProcessError("the notebook's process stopped") from error

    def receive(self, deadline):
        header = self._read_exactly(HEADER.size, deadline)
        (size,) = HEADER.unpack(header)
        if size > self.limits.reply_kb * 1024:
            raise StudentProcessError(
                f"the notebook's process sent {size} bytes, more than the {self.limits.reply_kb:g} KB allowed"
            )
        try:
            message = codec.loads(self._read_exactly(size, deadline))
        except (ValueError, RecursionError) as error:
            raise StudentProcessError("the notebook's process sent a malformed message") from error
        if not isinstance(message, dict):
            raise StudentProcessError("the notebook's process sent a malformed message")
        return message

    def _read_exactly(self, size, deadline):
        chunks = []
        while size:
            self._wait(self.from_child, deadline)
            try:
                chunk = os.read(self.from_child, min(size, 1 << 20))
            except OSError as error:
                raise StudentProcessError("the notebook's process stopped") from error
            if not chunk:
                raise StudentProcessError("the notebook's process stopped")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd, deadline, write=False):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout("time limit reached")
        try:
            ready = select.select([], [fd], [], remaining) if write else select.select([fd], [], [], remaining)
        except (OSError, ValueError) as error:  # the descriptor was closed by kill()
            raise StudentProcessError("the notebook's process stopped") from error
        if not any(ready):
            raise Timeout("time limit reached")

    # -- control --------------------------------------------------------------------

    def interrupt(self):
        """KeyboardInterrupt in the student's main thread, as Jupyter's interrupt button."""
        try:
            os.kill(self.sandbox_pid, signal.SIGINT)
        except (ProcessLookupError, PermissionError, TypeError):
            pass

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """Kill every process the notebook started (whatever it did to escape), then clean up."""
        if self.process is not None:
            if self.level == "namespace":
                self._signal(self.sandbox_pid, signal.SIGKILL)  # PID 1: the kernel kills the rest
            else:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if self.lease is not None and self.lease.own and self.level == "user":
                kill_user(self.lease.uid)
            if self.level == "process" or (self.level == "user" and not self.lease.own):
                self._kill_descendants()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            if self.lease is not None and self.lease.own:
                kill_user(self.lease.uid)
            if self.level != "namespace":
                reap_orphans()
        self._cleanup()

    @staticmethod
    def _signal(pid, signal_number):
        try:
            if pid:
                os.kill(pid, signal_number)
        except (ProcessLookupError, PermissionError):
            pass

    def _kill_descendants(self):
        """Process level: SIGKILL every live descendant of the grader (the worker included)."""
        grader = os.getpid()
        for _ in range(50):
            table = _process_table()
            found = [pid for pid in descendants(grader, table) if table[pid][2] != "Z"]
            if not found:
                return
            for pid in found:
                self._signal(pid, signal.SIGKILL)
            time.sleep(0.005)
            reap_orphans(keep=(self.process.pid,))

    def _abandon(self):
        """Undo a start that failed, so the next level starts from scratch."""
        if self.process is not None:
            self.process.kill()  # the launcher: its child dies with it (parent-death signal)
            self.process.wait(timeout=5)
            self.process.stdout.close()
            self.process = None
        self._cleanup()

    def _cleanup(self):
        for name in ("to_child", "from_child"):
            fd = getattr(self, name, None)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, name, None)
        if self.output is not None:
            self.output.join(timeout=1)
        if self.folder is not None:
            if self.level == "namespace" or not self.level:
                try:
                    os.rmdir(self.folder)  # the sandbox's tmpfs lived in its own namespace only
                except OSError:
                    shutil.rmtree(self.folder, ignore_errors=True)
            else:
                shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self.lease is not None:
            if self.level == "user" and self.lease.own:
                remove_files_of(self.lease.uid)
            self.lease.release()
            self.lease = None

    def describe(self):
        text = f"isolation level: {self.level}"
        return text + (f" (not available: {self.reason})" if self.reason else "")


def _processes_of_self():
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


def sandbox_mounts(uid, gid):
    """What the new root of a namespace sandbox holds, in mount order (see launcher.py)."""
    # The private /tmp comes first: a runtime that lives below /tmp (a checkout in /tmp with
    # its .venv) is then bound on top of it instead of being hidden by it.
    mounts = [
        ["tmpfs", f"size={TMPFS_MB}m,nr_inodes=16384,mode=1777", "/tmp"],
        ["tmpfs", f"size={TMPFS_MB}m,nr_inodes=16384,mode=700,uid={uid},gid={gid}", STUDENT_HOME],
    ]
    bound = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            mounts.append(["symlink", os.readlink(top), top])
        elif os.path.isdir(top):
            mounts.append(["bind", top, top])
            bound.append(top)
    for folder in runtime_folders():
        real = os.path.realpath(folder)
        if any(_inside(real, b) for b in bound) or any(_inside(folder, b) for b in bound):
            continue
        mounts.append(["bind", real, folder])
        bound.append(folder)
    if os.path.isfile("/etc/ld.so.cache"):
        mounts.append(["bind-file", "/etc/ld.so.cache", "/etc/ld.so.cache"])
    passwd = f"root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:{uid}:{gid}::{STUDENT_HOME}:/usr/sbin/nologin\n"
    mounts.append(["text", passwd, "/etc/passwd"])
    mounts.append(["text", f"root:x:0:\nstudent:x:{gid}:\n", "/etc/group"])
    for device in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists(f"/dev/{device}"):
            mounts.append(["device", f"/dev/{device}", f"/dev/{device}"])
    mounts += [["symlink", "/proc/self/fd", "/dev/fd"]] + [
        ["symlink", f"/proc/self/fd/{fd}", f"/dev/{name}"] for fd, name in enumerate(("stdin", "stdout", "stderr"))
    ]
    mounts.append(["proc", None, "/proc"])
    return mounts
