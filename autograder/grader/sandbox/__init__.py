"""Run a submission's cells in a separate, isolated process and call its functions.

The student process is a fresh ``python -I`` started with the worker's source on its
command line: it imports nothing from the grader's folders. The grader talks to it over
two pipes and trusts nothing it says beyond plain data (codec.py). Every wait has a
deadline; every process it starts is killed at the end, and what it left is removed.

How it is isolated depends on what the machine allows: the strongest level that starts
is used, each level in its own module, behind one interface (levels.py):

``namespace``  namespace.py: Linux namespaces and a new root; nothing of the
               host is visible.
``user``       user.py: a root grader without namespaces; a user id of its own,
               the grader's folders made private, leftovers removed by owner.
``process``    process.py: only when asked for (VG_GRADER_ISOLATION=process)
               and never for a root grader; the grader's own user, so nothing is secret.

Student code never runs as root: where no level can start, the notebook is not run and
the results say why. A weaker level than the strongest is always reported with the
reason (``describe()``, printed by the grader and kept in the results).
VG_GRADER_ISOLATION=user|process (in the grader's environment) caps the level, for tests
and for `make grade ISOLATION=...`.
"""

import json
import os
import select
import signal
import struct
import threading
import time

from .levels import (  # noqa: F401 - the names the grader's other modules use
    Limits,
    SandboxUnavailable,
    StudentProcessError,
    Timeout,
)
from .namespace import NamespaceLevel
from .process import ISOLATION_VARIABLE, ProcessLevel
from .user import UserLevel

HEADER = struct.Struct(">I")
INTERRUPT_GRACE_SECONDS = 1.0
LEVEL_CLASSES = {level.name: level for level in (NamespaceLevel, UserLevel, ProcessLevel)}
LEVELS = tuple(LEVEL_CLASSES)  # strongest first
# Why the stronger levels were not used, as a probe of this run found (set with VG_GRADER_ISOLATION by
# `make grade`, which probes once per run so that no grader tries again what failed).
PROBED_VARIABLE = "VG_GRADER_PROBED_BECAUSE"

_unavailable = {}  # level -> why it failed at run time in this grader process


def _level_problem(level):
    """Why `level` cannot be used here ('' if it can, as far as can be told beforehand)."""
    return _unavailable.get(level) or LEVEL_CLASSES[level].problem()


def candidate_levels():
    """[(level, problem)] from the strongest allowed level down; problem '' if usable."""
    forced = os.environ.get(ISOLATION_VARIABLE, "").strip()
    levels = LEVELS[LEVELS.index(forced):] if forced in LEVELS else LEVELS
    return [(level, _level_problem(level)) for level in levels]


def skipped_levels():
    """Why the levels stronger than VG_GRADER_ISOLATION's were not tried (a weaker level is never silent):
    PROBED_VARIABLE's reason where the level was found by this run's probe, else the cap."""
    forced = os.environ.get(ISOLATION_VARIABLE, "").strip()
    stronger = LEVELS[:LEVELS.index(forced)] if forced in LEVELS else ()
    probed = os.environ.get(PROBED_VARIABLE, "").strip()
    if stronger and probed:
        return [probed]
    return [f"{level}: not tried ({ISOLATION_VARIABLE}={forced})" for level in stronger]


def isolation_level():
    """The level the next student process of this grader process will (try to) use, or ''."""
    return next((level for level, problem in candidate_levels() if not problem), "")


def probe():
    """(level, reason): start and stop one student process; reason says why stronger levels were not used."""
    process = StudentProcess(Limits())
    try:
        return process.level, process.reason
    finally:
        process.kill()


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
        self.level = self.reason = self.memory = ""
        self.isolation = self.to_child = self.from_child = None
        self.output = None
        self.killed = False
        problems = skipped_levels()
        for level, problem in candidate_levels():
            if problem:
                problems.append(f"{level}: {problem}")
                continue
            try:
                self._start(LEVEL_CLASSES[level](limits, self.secrets))
            except (SandboxUnavailable, OSError) as error:
                _unavailable[level] = str(error) or type(error).__name__
                problems.append(f"{level}: {_unavailable[level]}")
                self._abandon()
                continue
            self.level, self.reason = level, "; ".join(problems)
            break
        else:
            raise StudentProcessError(
                "no isolation level can run the notebook safely on this grader, so it was not run ("
                + "; ".join(problems) + ")"
            )
        self.memory = self.isolation.memory
        self.output = OutputCapture(self.process.stdout, int(limits.output_kb) * 1024)
        self.output.start()

    def _start(self, isolation):
        self.isolation = isolation
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        try:
            isolation.start(to_child_r, from_child_w)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        os.set_blocking(self.to_child, False)

    @property
    def process(self):
        return None if self.isolation is None else self.isolation.process

    @property
    def sandbox_pid(self):
        return None if self.isolation is None else self.isolation.sandbox_pid

    @property
    def uid(self):
        """The student's user id on the host, where it has one of its own (else None)."""
        lease = getattr(self.isolation, "lease", None)
        return lease.uid if lease is not None else None

    # -- messages -------------------------------------------------------------------

    # The codec (and numpy with it) is imported at the first message, not with this package: a grader
    # can start the student process before it imports numpy, and both processes load it at once.

    def send(self, message, deadline):
        from . import codec

        self._send_body(codec.dumps(message), deadline)

    def send_cells(self, cells, skip, deadline):
        """The notebook to run: its cells (text) and the indices of those to skip. Plain JSON, which needs no
        codec: the grader sends it before it imports numpy."""
        self._send_body(json.dumps({"cells": cells, "skip": skip}).encode(), deadline)

    def _send_body(self, body, deadline):
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
        from . import codec

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
        """Kill every process the notebook started (whatever it did to escape), then clean up (once)."""
        if self.isolation is not None and not self.killed:
            self.killed = True
            self.isolation.kill()
            self._cleanup()

    def _abandon(self):
        """Undo a start that failed, so the next level starts from scratch."""
        if self.process is not None:
            self.process.kill()  # the launcher: its child dies with it (parent-death signal)
            self.process.wait(timeout=5)
            self.process.stdout.close()
        self._cleanup()
        self.isolation = None

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
        if self.isolation is not None:
            self.isolation.cleanup()

    def describe(self):
        text = f"isolation level: {self.level}"
        return text + (f" (not available: {self.reason})" if self.reason else "")
