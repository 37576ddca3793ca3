"""A bound on the memory of all the student's processes together.

Gradescope's default container has 768 MB for the grader and the student together. Where
a cgroup v2 memory controller is delegated to the grader (its own cgroup is writable and
offers `memory`), the student's processes join a child cgroup whose memory.max is the
total, swap included, and each may use up to the whole total. Elsewhere the total is
split: at most `total // PROCESS_FLOOR_MB` processes (threads count), each with an
address-space limit of total / processes, so that their product fits. (cgroup v1
hierarchies are not used: they are the host's, rarely delegated.)
"""

import dataclasses
import os
import time

CGROUP_ROOT = "/sys/fs/cgroup"
PROCESS_FLOOR_MB = 168  # the worker with numpy needs about 150 MB of address space (OpenBLAS hangs with less)


@dataclasses.dataclass(frozen=True)
class Plan:
    address_space: int  # bytes, per process
    processes: int  # the student's share of the process limit
    cgroup: bool
    total_mb: int

    def describe(self):
        if self.cgroup:
            return f"all processes together {self.total_mb} MB (memory cgroup)"
        return (f"all processes together {self.total_mb} MB: {self.processes} process(es) of "
                f"{self.address_space // 2**20} MB address space each (no memory cgroup could be made)")


def plan(limits, cgroup):
    total = int(limits.total_memory_mb) * 2**20
    if cgroup:
        return Plan(min(int(limits.memory_mb) * 2**20, total), int(limits.processes), True, int(limits.total_memory_mb))
    processes = max(1, min(int(limits.processes), int(limits.total_memory_mb) // PROCESS_FLOOR_MB))
    return Plan(min(int(limits.memory_mb) * 2**20, total // processes), processes, False, int(limits.total_memory_mb))


def own_cgroup(root=CGROUP_ROOT):
    """The grader's cgroup v2 folder, or None."""
    try:
        with open("/proc/self/cgroup") as handle:
            for line in handle:
                if line.startswith("0::"):
                    path = os.path.join(root, line[3:].strip().lstrip("/"))
                    return path if os.path.isfile(os.path.join(path, "cgroup.controllers")) else None
    except OSError:
        pass
    return None


class MemoryCgroup:
    """A child cgroup of the grader's with a memory limit; `path` is None if none could be made."""

    def __init__(self, total_mb, root=CGROUP_ROOT, parent=None):
        self.path = None
        self.why = ""
        parent = parent or own_cgroup(root)
        if parent is None:
            self.why = "no cgroup v2 hierarchy"
            return
        try:
            control = os.path.join(parent, "cgroup.subtree_control")
            with open(control) as handle:
                enabled = handle.read().split()
            if "memory" not in enabled:
                try:  # refused (EBUSY) unless the grader's cgroup is the root or holds no process
                    with open(control, "w") as handle:
                        handle.write("+memory")
                except OSError:
                    raise OSError("the memory controller is not delegated to the grader's cgroup") from None
            path = os.path.join(parent, f"vg-student-{os.getpid()}-{time.monotonic_ns()}")
            os.mkdir(path, 0o755)
            self.path = path
            self._write("memory.max", str(int(total_mb) * 2**20))
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                self._write("memory.swap.max", "0")
        except OSError as error:
            self.why = str(error)
            self.remove()

    def _write(self, name, value):
        with open(os.path.join(self.path, name), "w") as handle:
            handle.write(value)

    @property
    def procs(self):
        """The file a process writes its pid into to join (or None)."""
        return None if self.path is None else os.path.join(self.path, "cgroup.procs")

    def remove(self):
        """Remove the cgroup (its processes are dead; a few tries while the kernel lets go)."""
        if self.path is None:
            return
        for _ in range(50):
            try:
                os.rmdir(self.path)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)
        self.path = None
