"""A submission's live namespace, kept alive across the student's mistakes.

`Session` runs the notebook in a StudentProcess with Jupyter semantics and per-cell and
per-notebook deadlines. A cell that overruns is interrupted (KeyboardInterrupt, as the
Jupyter stop button); if the process ignores that, it is killed and the notebook is run
again from the top without that cell. Calls made by tests go through `call`, which
restarts the notebook the same way after a call that hung or killed the process.

Every wait is bounded three ways: its own limit (cell, call), the test case's budget
(`case_seconds` for all the calls of one case) and the submission's (`total_seconds`,
restarts included, from the start of grading to the results written). Nothing the
student process sends is trusted: events must arrive in the order the grader expects,
error reports are cut to short strings and every string is made safe (grader.safe_text).
"""

import dataclasses
import time

import numpy as np

from . import safe_text
from .sandbox import INTERRUPT_GRACE_SECONDS, StudentProcess, StudentProcessError, Timeout, codec

MAX_RESTARTS = 3  # runs of the notebook that had to be stopped (a cell hung or killed it)
MAX_CALL_RESTARTS = 10  # per question: fresh runs after a call hung or killed the process (time bounds them too)
ERROR_TYPE_LIMIT = 100
ERROR_MESSAGE_LIMIT = 2000
FINISH_SECONDS = 5  # of the submission's budget, kept to stop the student process and write the results
VALUE_TEXT_LIMIT = 10000  # a returned string longer than this is no answer here
MAX_REMEMBERED_REPLIES = 2000  # per process: far more calls than any grading makes (each reply at most reply_kb)


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


def clean_error(error):
    """A student-reported error as {"type", "message"} of short, safe strings (grader.safe_text)."""
    if not isinstance(error, dict):
        return {"type": "Error", "message": ""}
    type_name = error.get("type")
    message = error.get("message")
    return {
        "type": safe_text.line(type_name, ERROR_TYPE_LIMIT) if isinstance(type_name, str) and type_name else "Error",
        "message": safe_text.text(message, ERROR_MESSAGE_LIMIT) if isinstance(message, str) else "",
    }


def decode_value(data, aliases=None):
    """A value from the student process as plain data, its strings made safe."""
    return codec.decode(data, aliases=aliases, text=lambda value: safe_text.text(value, VALUE_TEXT_LIMIT))


@dataclasses.dataclass
class EarlyStart:
    """A student process started with a submission's secrets, and sent all its cells at `sent` (monotonic
    seconds) before the grader was ready to watch them: the notebook's first run."""
    process: StudentProcess
    cells: list
    sent: float


class Session:
    def __init__(self, cells, limits, secrets=(), started=None, early=None):
        """`early`: an EarlyStart of these cells and secrets, for the first run (else one is started)."""
        self.cells, self.limits, self.secrets = cells, limits, secrets
        self.early = early
        self.skipped = {}  # cell index -> why it is no longer run
        self.reports = []
        self.restarts = 0
        self.call_restarts = 0
        self.abandoned = False  # the notebook could not be run to the end: no more reruns
        self.process = None
        self.isolation = ""  # how the last student process was isolated (sandbox levels)
        self.notebook_deadline = None
        # The submission's budget runs from when grading started (reading the notebook included),
        # and ends early enough to stop everything and write the results within it.
        start = time.monotonic() if started is None else started
        self.total_deadline = start + limits.total_seconds - min(FINISH_SECONDS, limits.total_seconds / 4)
        self.case_deadline = None
        self.unread = None  # (process, replies) of calls left running by a consumer of call_each
        self.memory = None  # (process, the replies it gave): see call_each
        self.problem = ""  # a whole-notebook problem, in words for the student

    # -- notebook -------------------------------------------------------------------

    def execute(self):
        """Run the notebook, restarting without the cells that had to be stopped.

        If it cannot be brought to the end (it died on its own, or needed too many restarts,
        or time ran out), the session is abandoned: calls fail at once, without more reruns.
        """
        while True:
            if time.monotonic() >= self.total_deadline:
                self._out_of_time()
                self.abandoned = True
                return
            self.notebook_deadline = min(time.monotonic() + self.limits.notebook_seconds, self.total_deadline)
            outcome = self._run_once()
            if outcome in ("ready", "dead"):
                self.abandoned = outcome == "dead"
                return
            if self.restarts >= MAX_RESTARTS:
                self.problem = (
                    f"Your notebook had to be stopped and restarted {self.restarts} times; "
                    "grading stopped there."
                )
                self.close()
                self.abandoned = True
                return
            self.restarts += 1

    def _out_of_time(self):
        self.problem = (
            f"Grading your notebook used up its time budget of {self.limits.total_seconds:g} seconds (reruns "
            "included), so it was stopped there; checks that had not run yet got no points."
        )
        self.close()

    def _run_once(self):
        early, self.early = self.early, None
        self.close()
        self.reports = []
        if early is not None:
            # Its time limit counts from the sending. A cell that started before the grader watched gets the
            # grader's start-up (a fraction of a second) on top of its own limit.
            self.process = early.process
            self.isolation = self.process.describe()
            self.notebook_deadline = min(early.sent + self.limits.notebook_seconds, self.total_deadline)
            return self._follow_events()
        try:
            self.process = StudentProcess(self.limits, self.secrets)
        except (StudentProcessError, OSError) as error:
            self.process = None
            self.problem = f"Your notebook's process could not start ({error})."
            return "dead"
        self.isolation = self.process.describe()
        try:
            # Cells after the last one to run are not sent (after a cut, there may be thousands).
            end = max((index + 1 for index in range(len(self.cells)) if index not in self.skipped), default=0)
            skip = [index for index in sorted(self.skipped) if index < end]
            self.process.send_cells(self.cells[:end], skip, self.notebook_deadline)
        except StudentProcessError as error:
            self.problem = f"Your notebook's process could not start ({error})."
            return "dead"
        return self._follow_events()

    def _follow_events(self, resume_after=None):
        """Record cell results until `ready`; returns ready, restart or dead.

        Events must come in order: cell_start and cell_end of each cell that is not
        skipped, then ready. Anything else is a broken (or forged) protocol.
        """
        expected = [index for index in range(len(self.cells)) if index not in self.skipped]
        if resume_after is not None:
            expected = [index for index in expected if index > resume_after]
        position = 0
        current = None  # index of the cell running now
        started = resume_after if resume_after is not None else -1  # the last cell that started
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
                kind, index = event.get("event"), event.get("index")
                following = expected[position] if position < len(expected) else None
                if type(index) is not int and index is not None:
                    raise StudentProcessError("the notebook's process sent an unexpected message")
                if current is None and kind == "cell_start" and following is not None and index == following:
                    current = started = following
                    position += 1
                elif current is not None and kind == "cell_end" and index == current:
                    error = event.get("error")
                    self.reports.append(CellReport(index=current, error=None if error is None else clean_error(error)))
                    current = None
                elif current is None and kind == "ready" and position == len(expected):
                    return "ready"
                else:
                    raise StudentProcessError("the notebook's process sent an unexpected message")
        except Timeout:
            if time.monotonic() >= self.total_deadline:
                self._out_of_time()
                return "dead"
            self.problem = (
                f"Your notebook did not finish within {self.limits.notebook_seconds:g} seconds; "
                f"it was run again up to cell {started + 1} and graded with what that defined."
            )
            for index in range(max(started, 0), len(self.cells)):
                self.skipped.setdefault(index, "the notebook's time limit was reached first")
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
            event = self.process.receive(min(time.monotonic() + INTERRUPT_GRACE_SECONDS, self.total_deadline))
        except StudentProcessError:
            event = {}
        if event.get("event") == "cell_end" and event.get("index") == index:
            self.reports.append(
                CellReport(
                    index=index,
                    error={
                        "type": "TimeLimit",
                        "message": f"stopped after {self.limits.cell_seconds:g} seconds",
                    },
                )
            )
            return self._follow_events(resume_after=index)
        self.skipped[index] = (
            f"it ran for more than {self.limits.cell_seconds:g} seconds and would not stop"
        )
        return "restart"

    # -- calls ----------------------------------------------------------------------

    def _usable(self):
        if self.process is not None and self.process.alive():
            return True
        if self.abandoned or self.call_restarts >= MAX_CALL_RESTARTS or time.monotonic() >= self.total_deadline:
            return False
        self.call_restarts += 1
        self.execute()
        return self.process is not None and self.process.alive()

    def start_question(self):
        """A question's calls get their own restarts: a crash in one question costs that question only."""
        self.call_restarts = 0

    def start_case(self):
        """Start the time budget of one test case (all its calls together)."""
        self.case_deadline = time.monotonic() + self.limits.case_seconds

    def _call_deadline(self):
        deadlines = [time.monotonic() + self.limits.call_seconds, self.total_deadline]
        if self.case_deadline is not None:
            deadlines.append(self.case_deadline)
        return min(deadlines)

    def _time_left_error(self, name):
        """A StudentCodeError if the case's or the submission's budget is spent, else None."""
        now = time.monotonic()
        if now >= self.total_deadline:
            return StudentCodeError(
                "TimeLimit", f"grading used up its {self.limits.total_seconds:g}-second budget before {name} could run"
            )
        if self.case_deadline is not None and now >= self.case_deadline:
            return StudentCodeError(
                "TimeLimit", f"the calls of this check took more than {self.limits.case_seconds:g} seconds in all"
            )
        return None

    def lookup(self, names):
        """{name: ("callable", None) | ("value", data) | ("missing", None) | ("unreadable", type)}."""
        self._drain()
        if not self._usable():
            return {name: ("missing", None) for name in names}
        try:
            deadline = self._call_deadline()
            self.process.send({"op": "lookup", "names": list(names)}, deadline)
            reply = self.process.receive(deadline)
            found = reply["names"]
            result = {}
            for name in names:
                entry = found.get(name, {})
                kind = entry.get("kind")
                if kind == "value":
                    result[name] = ("value", decode_value(entry["value"]))
                elif kind in ("callable", "unreadable"):
                    type_name = entry.get("type")
                    result[name] = (kind, safe_text.line(type_name, ERROR_TYPE_LIMIT)
                                    if isinstance(type_name, str) else None)
                else:
                    result[name] = ("missing", None)
            return result
        except (StudentProcessError, codec.CodecError, KeyError, TypeError, AttributeError, ValueError, RecursionError):
            self.process.kill()
            return {name: ("missing", None) for name in names}

    def call(self, name, args):
        """Call the student's `name` on plain data; return (value, args_after), decoded, or raise.

        A returned array that shares memory with an argument comes back as that argument.
        args_after holds each argument as the call left it, or None where it left it unchanged.
        """
        return next(self.call_each(name, [args]))

    def call_each(self, name, args_list):
        """(value, args_after) of each call of `name` on an args of args_list, in order, as `call` gives them.

        The calls travel in one message and the student process runs them one after the other, each with
        the limits of one call, answering each as it returns: the grader reads one result while the next
        call runs, and pays one wake-up per call instead of a round trip. The first call that raises
        ends the run there, as a loop of `call`s would end (the process runs none after it). A consumer
        that stops early leaves calls running: their replies are read and dropped before the process is
        used again (`_drain`). The calls are sent at once, before any value is asked for: the test can
        work out what it expects while they run.

        A call the same process already answered, same function and the same arguments (as plain data),
        is not made again: its reply is given again, decoded afresh (`_remembered`). Checks judge one set
        of inputs several ways (a value check, then one to full precision); a second call would only
        measure the same thing twice.
        """
        if not args_list:
            return iter(())
        self._drain()
        error = self._time_left_error(name)
        if error:
            raise error
        if not self._usable():
            raise self._time_left_error(name) or StudentCodeError(
                "GradingStopped", "your notebook's process is no longer running"
            )
        encoded = [[codec.encode(arg) for arg in args] for args in args_list]
        keys = [(name, codec.dumps(args)) for args in encoded]
        remembered = self._remembered()
        sent = [args for args, key in zip(encoded, keys) if key not in remembered]
        if sent:
            try:
                self.process.send({"op": "calls", "name": name, "calls": sent}, self._call_deadline())
            except Timeout:  # the process does not read: it is stuck outside any call
                self.process.kill()
                raise self._time_left_error(name) or StudentCodeError(
                    "TimeLimit", f"{name} did not return within {self.limits.call_seconds:g} seconds") from None
            except StudentProcessError as error:
                self.process.kill()
                raise StudentCodeError("ProcessDied", f"the process running {name} stopped ({error})") from None
            self.unread = (self.process, len(sent))
        return self._replies(name, args_list, keys, remembered, len(sent))

    def _remembered(self):
        """{(name, arguments as JSON): reply} of the calls the current process returned from."""
        if self.memory is None or self.memory[0] is not self.process:
            self.memory = (self.process, {})
        return self.memory[1]

    def _replies(self, name, args_list, keys, remembered, unread):
        """The (value, args_after) of each call call_each was asked for, in order: remembered, or read."""
        process = self.process
        for args, key in zip(args_list, keys):
            reply = remembered.get(key)
            if reply is None:
                self.unread = (process, unread)
                reply = self._call_reply(name, unread - 1)
                unread -= 1
                self.unread = (process, unread)
                if reply.get("ok") is True and len(remembered) < MAX_REMEMBERED_REPLIES:
                    remembered[key] = reply
            yield self._call_value(name, args, reply)

    def _call_reply(self, name, later):
        """The reply to the call running now (`later` calls queued behind it); StudentCodeError if it overran
        or the process died."""
        try:
            return self.process.receive(self._call_deadline())
        except Timeout:
            self.unread = None
            self.process.interrupt()
            try:  # a call stopped by the interrupt answers with an error and runs no further call
                reply = self.process.receive(min(time.monotonic() + INTERRUPT_GRACE_SECONDS, self.total_deadline + 1))
                if reply.get("ok") is True and later:  # it returned as the interrupt came: the next call runs
                    self.process.kill()
            except StudentProcessError:
                self.process.kill()
            raise self._time_left_error(name) or StudentCodeError(
                "TimeLimit", f"{name} did not return within {self.limits.call_seconds:g} seconds"
            ) from None
        except StudentProcessError as error:
            self.unread = None
            self.process.kill()
            raise StudentCodeError("ProcessDied", f"the process running {name} stopped ({error})") from None

    def _call_value(self, name, args, reply):
        if reply.get("ok") is not True:
            self.unread = None  # the process ran no call after this one
            error = clean_error(reply.get("error"))
            raise StudentCodeError(error["type"], error["message"])
        args_after = reply.get("args_after")
        try:
            after = [decode_value(arg) for arg in args_after] if isinstance(args_after, list) else []
            return decode_value(reply.get("value"), aliases=lambda path: _argument_at(args, path)), after
        except (codec.CodecError, TypeError, ValueError, IndexError, RecursionError) as error:
            raise StudentCodeError(
                "UnsupportedValue", f"{name} returned something the grader cannot read "
                f"({safe_text.line(error, ERROR_TYPE_LIMIT * 3)})") from None

    def _drain(self):
        """Read and drop the replies of calls a consumer of call_each left running (a check failed before
        it looked at them), so that the next message gets its own reply. A call that overruns while
        drained, or a process that stops answering, is killed: the next use runs the notebook again."""
        unread, self.unread = self.unread, None
        if not unread or unread[0] is not self.process:
            return
        for _ in range(unread[1]):
            try:
                if self.process.receive(self._call_deadline()).get("ok") is not True:
                    return
            except StudentProcessError:  # Timeout included
                self.process.kill()
                return

    def close(self):
        for process in (self.process, self.early and self.early.process):
            if process is not None:
                process.kill()


def _argument_at(args, path):
    value = args
    for step in path:
        if type(step) is not int:
            raise codec.CodecError("malformed alias")
        value = value[step]
    if not isinstance(value, np.ndarray):
        raise codec.CodecError("malformed alias")
    return value
