"""A submission's live namespace, kept alive across the student's mistakes.

`Session` runs the notebook in a StudentProcess with Jupyter semantics and per-cell and
per-notebook deadlines. A cell that overruns is interrupted (KeyboardInterrupt, as the
Jupyter stop button); if the process ignores that, it is killed and the notebook is run
again from the top without that cell. Calls made by tests go through `call`, which
restarts the notebook the same way after a call that hung or killed the process.
"""

import dataclasses
import time

from . import codec
from .sandbox import INTERRUPT_GRACE_SECONDS, StudentProcess, StudentProcessError, Timeout

MAX_RESTARTS = 3


@dataclasses.dataclass
class CellReport:
    index: int
    error: dict = None  # {"type", "message"} from the student process, or None
    skipped_reason: str = ""


class StudentCodeError(Exception):
    """An error raised by student code, reported by type name and message only."""

    def __init__(self, type_name, message):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message = type_name, message


class Session:
    def __init__(self, cells, limits):
        self.cells, self.limits = cells, limits
        self.skipped = {}  # cell index -> why it is no longer run
        self.reports = []
        self.restarts = 0
        self.process = None
        self.notebook_deadline = None
        self.problem = ""  # a whole-notebook problem, in words for the student

    # -- notebook -------------------------------------------------------------------

    def execute(self):
        """Run the notebook, restarting without the cells that had to be stopped."""
        while True:
            self.notebook_deadline = time.monotonic() + self.limits.notebook_seconds
            outcome = self._run_once()
            if outcome in ("ready", "dead"):
                return
            if self.restarts >= MAX_RESTARTS:
                self.problem = (
                    f"Your notebook had to be stopped and restarted {self.restarts} times; "
                    "grading stopped there."
                )
                self.close()
                return
            self.restarts += 1

    def _run_once(self):
        self.close()
        self.reports = []
        self.process = StudentProcess(self.limits)
        try:
            self.process.send(
                {"cells": self.cells, "skip": sorted(self.skipped)}, self.notebook_deadline
            )
        except StudentProcessError as error:
            self.problem = f"Your notebook's process could not start ({error})."
            return "dead"
        return self._follow_events()

    def _follow_events(self):
        """Record cell results until `ready`; returns ready, restart, timeout or dead."""
        current = None  # index of the cell running now
        started = -1  # index of the last cell that started
        try:
            while True:
                deadline = self.notebook_deadline
                if current is not None:
                    deadline = min(time.monotonic() + self.limits.cell_seconds, deadline)
                try:
                    event = self.process.receive(deadline)
                except Timeout:
                    if current is None or time.monotonic() >= self.notebook_deadline:
                        raise
                    return self._stop_cell(current)
                kind = event.get("event")
                if kind == "cell_start" and isinstance(event.get("index"), int):
                    current = started = event["index"]
                elif kind == "cell_end":
                    self.reports.append(CellReport(index=event.get("index"), error=event.get("error")))
                    current = None
                elif kind == "ready":
                    return "ready"
                else:
                    raise StudentProcessError("unexpected message")
        except Timeout:
            self.problem = (
                f"Your notebook did not finish within {self.limits.notebook_seconds:g} seconds; "
                f"it was run again up to cell {started + 1} and graded with what that defined."
            )
            for index in range(max(started, 0), len(self.cells)):
                self.skipped.setdefault(index, "the notebook's time limit was reached before it")
            return "restart"
        except StudentProcessError as error:
            if current is not None:
                self.skipped[current] = f"the notebook's process stopped while running it ({error})"
                return "restart"
            self.problem = f"Your notebook's process stopped unexpectedly ({error})."
            return "dead"

    def _stop_cell(self, index):
        """Interrupt an overrunning cell; skip it on the next run if it will not stop."""
        self.process.interrupt()
        try:
            event = self.process.receive(time.monotonic() + INTERRUPT_GRACE_SECONDS)
        except StudentProcessError:
            event = {}
        if event.get("event") == "cell_end":
            self.reports.append(
                CellReport(
                    index=index,
                    error={
                        "type": "TimeLimit",
                        "message": f"stopped after {self.limits.cell_seconds:g} seconds",
                    },
                )
            )
            return self._follow_events()
        self.skipped[index] = (
            f"it ran for more than {self.limits.cell_seconds:g} seconds and would not stop"
        )
        return "restart"

    # -- calls ----------------------------------------------------------------------

    def _usable(self):
        if self.process is not None and self.process.alive():
            return True
        if self.restarts >= MAX_RESTARTS:
            return False
        self.restarts += 1
        self.execute()
        return self.process is not None and self.process.alive()

    def lookup(self, names):
        """{name: ("callable", None) | ("value", data) | ("missing", None) | ("unreadable", type)}."""
        if not self._usable():
            return {name: ("missing", None) for name in names}
        try:
            self.process.send({"op": "lookup", "names": list(names)}, time.monotonic() + self.limits.call_seconds)
            reply = self.process.receive(time.monotonic() + self.limits.call_seconds)
            found = reply["names"]
            result = {}
            for name in names:
                entry = found.get(name, {})
                kind = entry.get("kind")
                if kind == "value":
                    result[name] = ("value", codec.decode(entry["value"]))
                elif kind in ("callable", "unreadable"):
                    result[name] = (kind, entry.get("type"))
                else:
                    result[name] = ("missing", None)
            return result
        except (StudentProcessError, codec.CodecError, KeyError, TypeError, AttributeError):
            self.process.kill()
            return {name: ("missing", None) for name in names}

    def call(self, name, args):
        """Call the student's `name` on plain data; return (value, args_after) or raise."""
        if not self._usable():
            raise StudentCodeError("GradingStopped", "your notebook's process is no longer running")
        encoded_args = [codec.encode(arg) for arg in args]
        deadline = time.monotonic() + self.limits.call_seconds
        try:
            self.process.send({"op": "call", "name": name, "args": encoded_args}, deadline)
            reply = self.process.receive(deadline)
        except Timeout:
            self.process.interrupt()
            try:
                self.process.receive(time.monotonic() + INTERRUPT_GRACE_SECONDS)
            except StudentProcessError:
                self.process.kill()
            raise StudentCodeError(
                "TimeLimit", f"{name} did not return within {self.limits.call_seconds:g} seconds"
            ) from None
        except StudentProcessError as error:
            self.process.kill()
            raise StudentCodeError("ProcessDied", f"the process running {name} stopped ({error})") from None
        if reply.get("ok") is not True:
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            raise StudentCodeError(str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:2000])
        return reply.get("value"), reply.get("args_after")

    def output_text(self):
        return self.process.output.text() if self.process else ""

    def close(self):
        if self.process is not None:
            self.process.kill()
