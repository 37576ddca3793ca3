"""The one interface every sandbox level implements, and what all levels share.

A level (namespace.py, user.py, process.py) starts the
student's worker with two pipes, kills everything the notebook started, and removes
everything it left. Each level's module says what it promises; the package (__init__.py) picks the
strongest level this machine allows and talks to the worker.
"""

import dataclasses
import os
import pathlib
import resource
import signal
import subprocess
import sys

from . import host, leftovers

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
STUDENT_HOME = "/home/student"
FILE_SIZE_MB = 64
PATH = "/usr/local/bin:/usr/bin:/bin"
START_SECONDS = 15  # to get a sandbox running (not the notebook)


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
    # All student processes together (Gradescope's default container: 768 MB with the grader).
    total_memory_mb: int = 512

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


class Level:
    """One isolation level: how the student's worker is started, killed and cleaned up after.

    `start` sets `process` (the Popen whose stdout is the student's output) and
    `sandbox_pid` (the worker, for SIGINT); `kill` leaves no process of the notebook
    alive; `cleanup` removes what it left (files, keys, IPC) and undoes what `start` did.
    Both are safe to call after a failed start.
    """

    name = ""

    def __init__(self, limits, secrets):
        self.limits, self.secrets = limits, list(secrets)
        self.process = self.sandbox_pid = None
        self.memory = "no memory bound"  # how the total memory of the student's processes is bounded

    @staticmethod
    def problem():
        """Why this level cannot be used here ('' if it can, as far as can be told beforehand)."""
        return ""

    def start(self, to_child_r, from_child_w):
        raise NotImplementedError

    def kill(self):
        raise NotImplementedError

    def cleanup(self):
        raise NotImplementedError


# -- what every level gives the student -----------------------------------------------


def worker_program(site=None):
    """Python source that loads the codec and the worker from text and runs the worker."""
    site = site or host.numpy_site()
    sources = {name: (PACKAGE_DIR / f"{name}.py").read_text() for name in ("codec", "worker")}
    return (
        "import sys, types\n"
        f"if {site!r} not in sys.path:\n"
        f"    sys.path.append({site!r})\n"
        "def _load(name, source):\n"
        "    module = types.ModuleType(name)\n"
        "    sys.modules[name] = module\n"
        "    exec(compile(source, name + '.py', 'exec'), module.__dict__)\n"
        "    return module\n"
        f"_load('sandbox_codec', {sources['codec']!r})\n"
        f"_load('sandbox_worker', {sources['worker']!r}).main()\n"
    )


def worker_argv(to_child_r, from_child_w, python=None, site=None):
    return [python or sys.executable, "-I", "-c", worker_program(site), str(to_child_r), str(from_child_w)]


# One BLAS thread, for the student process and the grader alike: their matrices are small, and a pool of
# BLAS threads costs more CPU to start (and to spin) than it saves; numpy reads these when it loads.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def student_environment(home, tmp):
    return {
        "PATH": PATH,
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **ONE_BLAS_THREAD,  # threads count as processes, too
    }


def resource_limits(limits, memory_plan, processes_before=0):
    """setrlimit pairs for the student: memory (see memory.py), CPU, files, processes, no message queues."""
    return [
        (resource.RLIMIT_AS, memory_plan.address_space),
        (resource.RLIMIT_CPU, int(limits.total_seconds) + 10),
        (resource.RLIMIT_FSIZE, FILE_SIZE_MB * 2**20),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, processes_before + memory_plan.processes),
        (resource.RLIMIT_MSGQUEUE, 0),  # POSIX message queues would outlive the sandbox
    ]


def confine_child(rlimits, user=None, cgroup_procs=None):
    """A preexec function: join the memory cgroup, set limits, drop to `user`, own session keyring.

    Runs in the child between fork and exec (plain calls only).
    """
    prctl = host.libc().prctl  # looked up now: after fork only plain calls are made

    def confine():
        if cgroup_procs:
            with open(cgroup_procs, "w") as handle:
                handle.write(str(os.getpid()))
        for limit, value in rlimits:
            resource.setrlimit(limit, (value, value))
        if user:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])
        leftovers.join_new_session_keyring()
        prctl(host.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        prctl(host.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return confine


def spawn_worker(argv, folder, preexec, pass_fds, environment=None):
    """Start the worker directly (user and process levels): its own session, output on one pipe."""
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=pass_fds,
        cwd=folder,
        env=environment or student_environment(folder, folder),
        start_new_session=True,
        preexec_fn=preexec,
    )


def wait_or_kill(process):
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
