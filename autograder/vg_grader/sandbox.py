"""Run a submission's cells in a separate, limited process and call its functions.

The student process is a fresh ``python -I`` started with the worker's source on its
command line: it imports nothing from the grader's folders. It gets its own session, an
empty working folder, closed stdin, resource limits, and (when the grader runs as root)
an unprivileged user. The grader talks to it over two pipes and trusts nothing it says
beyond plain data (codec.py). Every wait has a deadline; every process is killed at the end.
"""

import dataclasses
import os
import pathlib
import pwd
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
MAX_REPLY_BYTES = 64 * 2**20
INTERRUPT_GRACE_SECONDS = 1.0
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class Limits:
    cell_seconds: float = 20
    notebook_seconds: float = 90
    call_seconds: float = 5
    memory_mb: int = 1024
    output_kb: int = 256
    processes: int = 64

    @classmethod
    def from_mapping(cls, mapping):
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = set(mapping) - fields
        if unknown:
            raise ValueError(f"unknown limits {sorted(unknown)}; known: {sorted(fields)}")
        return cls(**mapping)


class StudentProcessError(Exception):
    """The student process stopped answering: it died, timed out or broke the protocol."""


class Timeout(StudentProcessError):
    pass


def worker_program():
    """Python source that loads the codec and the worker from text and runs the worker."""
    sources = {name: (PACKAGE_DIR / f"{name}.py").read_text() for name in ("codec", "worker")}
    return (
        "import sys, types\n"
        "def _load(name, source):\n"
        "    module = types.ModuleType(name)\n"
        "    sys.modules[name] = module\n"
        "    exec(compile(source, name + '.py', 'exec'), module.__dict__)\n"
        "    return module\n"
        f"_load('vg_grader_codec', {sources['codec']!r})\n"
        f"_load('vg_grader_worker', {sources['worker']!r}).main()\n"
    )


def world_readable(path):
    """Can any user reach and read path (every parent folder searchable by others)?"""
    path = pathlib.Path(path).resolve()
    if not path.exists() or not path.stat().st_mode & stat.S_IROTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def unprivileged_user():
    """(uid, gid) of `nobody` when running as root and it can run this Python, else None."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    runtime = (sys.executable, os.__file__, np_file())
    if not all(world_readable(path) for path in runtime):
        return None
    return entry.pw_uid, entry.pw_gid


def np_file():
    import numpy

    return numpy.__file__


class OutputCapture(threading.Thread):
    """Drains the student's stdout/stderr, keeping only the first `limit` bytes."""

    def __init__(self, stream, limit):
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.kept, self.total = bytearray(), 0

    def run(self):
        while True:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
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

    def __init__(self, limits, user=None):
        self.limits = limits
        self.user = unprivileged_user() if user is None else user
        self.workdir = pathlib.Path(tempfile.mkdtemp(prefix="vg-student-"))
        if self.user:
            os.chown(self.workdir, *self.user)
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", worker_program(), str(to_child_r), str(from_child_w)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(to_child_r, from_child_w),
            cwd=self.workdir,
            env=self._environment(),
            start_new_session=True,
            preexec_fn=self._limit_child,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(self.to_child, False)
        self.output = OutputCapture(self.process.stdout, limits.output_kb * 1024)
        self.output.start()

    def _environment(self):
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            # One BLAS thread: faster for small matrices, and threads count as processes.
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }

    def _limit_child(self):
        """Runs in the child between fork and exec: limits first, then drop privileges."""
        memory = self.limits.memory_mb * 2**20
        cpu = int(self.limits.notebook_seconds * 2) + 10
        for limit, value in (
            (resource.RLIMIT_AS, memory),
            (resource.RLIMIT_CPU, cpu),
            (resource.RLIMIT_FSIZE, 64 * 2**20),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NPROC, self.limits.processes),
        ):
            resource.setrlimit(limit, (value, value))
        if self.user:
            uid, gid = self.user
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

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
        if size > MAX_REPLY_BYTES:
            raise StudentProcessError(f"the notebook's process sent {size} bytes, more than allowed")
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
            chunk = os.read(self.from_child, min(size, 1 << 20))
            if not chunk:
                raise StudentProcessError("the notebook's process stopped")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd, deadline, write=False):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout("time limit reached")
        ready = select.select([], [fd], [], remaining) if write else select.select([fd], [], [], remaining)
        if not any(ready):
            raise Timeout("time limit reached")

    # -- control --------------------------------------------------------------------

    def interrupt(self):
        """KeyboardInterrupt in the student's main thread, as Jupyter's interrupt button."""
        try:
            os.kill(self.process.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """Kill the whole session (the worker and every child it started), then clean up."""
        for pid_group in (self.process.pid,):
            try:
                os.killpg(pid_group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.output.join(timeout=1)
        shutil.rmtree(self.workdir, ignore_errors=True)
