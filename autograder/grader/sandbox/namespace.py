"""The `namespace` level: the strongest, used wherever Linux lets the grader make namespaces.

Promises (launcher.py does the work): the student runs as an unprivileged user (a root
grader gives it a user id of its own from UID_POOL; any other grader, a user namespace)
with no capabilities and no new privileges, in new mount, PID, network, IPC and UTS
namespaces. It sees only the Python runtime (read-only), its own working folder and a
private /tmp (small tmpfs), so no file of the host can be read or left behind; System V
and POSIX IPC live and die in its IPC namespace. It is PID 1 of its PID namespace: killing
it kills everything it started. It gets a session keyring of its own, and the keyrings
of its user id (user, user-session, persistent) are revoked and cleared at the end.
Memory: see memory.py.
"""

import binascii
import marshal
import os
import pathlib
import select
import signal
import subprocess
import sys
import tempfile
import time

from . import host, leftovers, memory
from .levels import (
    PACKAGE_DIR,
    PATH,
    START_SECONDS,
    STUDENT_HOME,
    Level,
    SandboxUnavailable,
    resource_limits,
    student_environment,
    wait_or_kill,
    worker_argv,
)

TMPFS_MB = 32  # each of the sandbox's /tmp and working folder (memory: they count in the total)


class NamespaceLevel(Level):
    name = "namespace"

    @staticmethod
    def problem():
        if not sys.platform.startswith("linux"):
            return "Linux namespaces need Linux"
        if os.geteuid() == 0:
            roots = ["/usr"] + host.runtime_folders()
            for path in host.runtime_files():
                below = max((r for r in roots if host.inside(os.path.realpath(path), os.path.realpath(r))),
                            key=len, default="/")
                if not host.readable_by_others(path, os.path.realpath(below)):
                    return f"{path} is not readable by other users"
            return ""
        try:
            if int(pathlib.Path("/proc/sys/user/max_user_namespaces").read_text()) <= 0:
                return "user namespaces are disabled"
        except (OSError, ValueError):
            return "user namespaces are not available"
        return ""

    def start(self, to_child_r, from_child_w):
        self.lease = self.folder = self.cgroup = None
        self.all_killed = False  # no process of the lease's user id is left
        userns = os.geteuid() != 0
        if userns:
            uid, gid = 1000, 1000
            before = host.processes_of_self()
        else:
            try:
                self.lease = host.UidLease(on_acquire=leftovers.clear_keys)
            except OSError as error:
                raise SandboxUnavailable(str(error)) from None
            uid, gid = self.lease.uid, self.lease.gid
            before = 0
        self.cgroup = memory.MemoryCgroup(self.limits.total_memory_mb)
        plan = memory.plan(self.limits, self.cgroup.path is not None)
        self.memory = plan.describe()
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
            "rlimits": resource_limits(self.limits, plan, before),
            "cgroup_procs": self.cgroup.procs,
            "keyctl": leftovers.SYS_KEYCTL,
            "argv": worker_argv(to_child_r, from_child_w),
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
            status = read_status(status_r)
        finally:
            os.close(status_r)
        errors = [line[6:] for line in status if line.startswith("error ")]
        pids = [int(line[4:]) for line in status if line.startswith("pid ") and line[4:].isdigit()]
        if errors or not pids:
            raise SandboxUnavailable(errors[0] if errors else "the launcher stopped")
        self.sandbox_pid = pids[0]

    def kill(self):
        if self.process is None:
            return
        host.signal_quietly(self.sandbox_pid, signal.SIGKILL)  # PID 1: the kernel kills the rest
        wait_or_kill(self.process)
        if self.lease is not None:
            self.all_killed = host.kill_user(self.lease.uid)  # nothing should be left: make sure

    def cleanup(self):
        if self.folder is not None:
            try:
                os.rmdir(self.folder)  # the sandbox's tmpfs lived in its own namespace only
            except OSError:
                pass
            self.folder = None
        if self.lease is not None:
            leftovers.clear_keys(self.lease.uid)
            self.lease.release(clean=self.all_killed)
            self.lease = None
        # (In a user namespace, the user keyrings are the namespace's own and die with it.)
        if self.cgroup is not None:
            self.cgroup.remove()


def read_status(fd):
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
    for folder in host.runtime_folders():
        real = os.path.realpath(folder)
        if any(host.inside(real, b) for b in bound) or any(host.inside(folder, b) for b in bound):
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
