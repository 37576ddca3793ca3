"""The `process` level: the weakest, used only when asked for, and never by a root grader.

Promises: the notebook cannot hang or crash the grader, nor read its memory or
environment (the grader is not dumpable); every process it starts is killed (its process
group, then every descendant of the grader, which is a child subreaper so that
double-forked daemons stay descendants); keys, System V objects and files in the
world-writable folders it adds under the grader's user id are removed at the end.

Does NOT promise: secrecy of anything the grader's user can read (hidden tests, the
reference) -- the student runs as the grader's own user. Hence it is refused unless
VG_GRADER_ISOLATION=process says the instructor accepts that, and refused for a root
grader whatever is asked: student code never runs as root.
"""

import os
import shutil
import signal
import tempfile
import time

from . import host, leftovers, memory
from .levels import Level, confine_child, resource_limits, spawn_worker, wait_or_kill, worker_argv

ISOLATION_VARIABLE = "VG_GRADER_ISOLATION"


class ProcessLevel(Level):
    name = "process"

    @staticmethod
    def problem():
        if os.geteuid() == 0:
            return "the grader is root, and student code never runs as root"
        if os.environ.get(ISOLATION_VARIABLE, "").strip() != "process":
            return (f"it keeps nothing secret from the notebook, so it is used only when asked for "
                    f"({ISOLATION_VARIABLE}=process)")
        return ""

    def start(self, to_child_r, from_child_w):
        self.snapshot = leftovers.Snapshot()
        self.folder = tempfile.mkdtemp(prefix="vg-student-")
        host.prctl(host.PR_SET_DUMPABLE, 0)  # same user: keep it out of /proc/<grader>/mem
        # Orphans of the notebook become our children: descendants to kill, zombies to reap.
        host.prctl(host.PR_SET_CHILD_SUBREAPER, 1)
        self.cgroup = memory.MemoryCgroup(self.limits.total_memory_mb)
        plan = memory.plan(self.limits, self.cgroup.path is not None)
        self.memory = plan.describe()
        rlimits = resource_limits(self.limits, plan, host.processes_of_self())
        self.process = spawn_worker(worker_argv(to_child_r, from_child_w), self.folder,
                                    confine_child(rlimits, cgroup_procs=self.cgroup.procs),
                                    (to_child_r, from_child_w))
        self.sandbox_pid = self.process.pid

    def kill(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._kill_descendants()
        wait_or_kill(self.process)
        host.reap_orphans()

    def _kill_descendants(self):
        """SIGKILL every live descendant of the grader (the worker included)."""
        grader = os.getpid()
        for _ in range(50):
            table = host.process_table()
            found = [pid for pid in host.descendants(grader, table) if table[pid][2] != "Z"]
            if not found:
                return
            for pid in found:
                host.signal_quietly(pid, signal.SIGKILL)
            time.sleep(0.005)
            host.reap_orphans(keep=(self.process.pid,))

    def cleanup(self):
        folder = getattr(self, "folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
            self.folder = None
        if getattr(self, "snapshot", None) is not None:
            self.snapshot.remove_additions()
            self.snapshot = None
        if getattr(self, "cgroup", None) is not None:
            self.cgroup.remove()

