"""Start the student process inside fresh Linux namespaces (the grader's strongest isolation).

This file is sent as source text into a root (or user-namespace) ``python -I -S`` process
started by namespace.py, with its settings marshalled on the command line; it
imports nothing but (fast) standard library modules. It:

1. joins the memory cgroup if there is one (memory.py), unshares mount, PID, network, IPC
   and UTS namespaces (plus a user namespace when the grader is not root), then forks: the
   child is PID 1 of the new PID namespace;
2. in the child, builds a new root on a small tmpfs that holds only the Python runtime
   (bind-mounted read-only, at the same paths), the student's working folder and a private
   /tmp (size-capped tmpfs), a few devices and the namespace's own /proc; pivots into it
   and detaches the old root, so nothing else on the machine can be reached;
3. drops to the unprivileged user (no capabilities, no new privileges), joins a session
   keyring of its own, sets resource limits and a parent-death signal, and executes the
   worker. The worker is PID 1: when it ends, or the grader kills it, the kernel kills
   every process left in the namespace.

The parent stays outside as a reaper: it reports the child's PID on the status pipe (the
child reports a setup error there, or closes it by executing), then waits and exits with
the child's status. The grader reads the status pipe until it closes.
"""

import binascii
import ctypes
import marshal
import os
import resource
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_MOVE, MS_REC, MS_PRIVATE, MS_RELATIME = 8192, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
# statvfs flags of a mount, which a read-only remount must keep (they may be locked).
KEPT_FLAGS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
              (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
libc.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)
libc.unshare.argtypes = (ctypes.c_int,)
libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)


class SetupError(Exception):
    pass


def check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(number)}")


def encoded(value):
    return None if value is None else os.fsencode(value)


def mount(source, target, fstype, flags, data=None):
    check(libc.mount(encoded(source), encoded(target), encoded(fstype), flags, encoded(data)),
          f"mount {source or fstype} on {target}")


def remount_read_only(target, extra=0):
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | extra
    kept = os.statvfs(target).f_flag
    for statvfs_flag, mount_flag in KEPT_FLAGS:
        if kept & statvfs_flag:
            flags |= mount_flag
    mount(None, target, None, flags)


def write_file(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def build_root(config):
    """Mount the new root's contents under config['root'] (run as PID 1, before pivoting)."""
    root = config["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount propagates back out
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=755")
    for entry in config["mounts"]:
        kind, target = entry[0], root + entry[2]
        if kind in ("bind", "bind-file", "device"):
            source = entry[1]
            if kind == "bind":
                os.makedirs(target, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(source, target, None, MS_BIND)
            remount_read_only(target, MS_NOSUID | (0 if kind == "device" else MS_NODEV))
        elif kind == "symlink":
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            os.symlink(entry[1], target)
        elif kind == "tmpfs":
            os.makedirs(target, mode=0o755, exist_ok=True)
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, entry[1])
        elif kind == "text":
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            write_file(target, entry[1])
        elif kind == "proc":
            os.makedirs(target, mode=0o555, exist_ok=True)
            try:  # may be refused in a user namespace when the host's /proc is partly masked
                mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            except SetupError:
                pass  # the notebook runs without /proc
        else:
            raise SetupError(f"unknown mount kind {kind!r}")


def enter_root(root):
    """Make `root` the filesystem root and detach the old one entirely."""
    os.chdir(root)
    number = SYS_PIVOT_ROOT.get(os.uname().machine)
    pivoted = False
    if number is not None:
        os.mkdir(".old-root", 0o700)
        if libc.syscall(number, b".", b".old-root") == 0:
            pivoted = True
            os.chdir("/")
            check(libc.umount2(b"/.old-root", MNT_DETACH), "detach the old root")
            os.rmdir("/.old-root")
        else:
            os.rmdir(".old-root")
    if not pivoted:  # e.g. the old root is an initramfs: move the new root over it instead
        mount(root, "/", None, MS_MOVE)
        os.chroot(".")
        os.chdir("/")
    remount_read_only("/", MS_NOSUID | MS_NODEV)


def drop_privileges(config):
    if not config["userns"]:
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    if config["keyctl"] is not None:  # KEYCTL_JOIN_SESSION_KEYRING: an anonymous one, the student's own
        libc.syscall(config["keyctl"], ctypes.c_long(1), ctypes.c_long(0))
    # In a user namespace the mapped uid is not 0, so execve drops every capability.
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")


def child(config, status):
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # ignored by the launcher only
    os.setsid()  # its own session: kill(0) and killpg reach nothing outside the namespace
    build_root(config)
    enter_root(config["root"])
    libc.sethostname(b"grader", 6)
    drop_privileges(config)
    for limit, value in config["rlimits"]:
        resource.setrlimit(limit, (value, value))
    os.chdir(config["workdir"])
    os.set_inheritable(status, False)  # closes on execve: the grader then knows we started
    os.execve(config["argv"][0], config["argv"], config["env"])


def map_user(config):
    """Become config['uid'] inside the new user namespace, mapped to our own ids outside."""
    write_file("/proc/self/setgroups", "deny")
    write_file("/proc/self/uid_map", f"{config['uid']} {config['host_uid']} 1")
    write_file("/proc/self/gid_map", f"{config['gid']} {config['host_gid']} 1")


def main():
    config = marshal.loads(binascii.a2b_base64(sys.argv[1]))  # json would import re: slow
    status = config["status_fd"]
    os.umask(0o022)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")
        if os.getppid() != config["parent"]:
            raise SetupError("the grader is gone")
        if config["cgroup_procs"]:  # before forking: every process of the sandbox counts
            write_file(config["cgroup_procs"], str(os.getpid()))
        flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
        check(libc.unshare(flags | (CLONE_NEWUSER if config["userns"] else 0)), "unshare")
        if config["userns"]:
            map_user(config)
        pid = os.fork()
    except (OSError, SetupError) as error:
        os.write(status, f"error {error}\n".encode())
        os._exit(111)
    if pid == 0:
        try:
            child(config, status)
        except BaseException as error:  # noqa: B036 - report anything, then stop
            os.write(status, f"error {error}\n".encode())
        os._exit(112)
    os.write(status, f"pid {pid}\n".encode())
    for fd in config["close_fds"] + [status]:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # the output pipe closes when the sandbox ends, not when we do
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    _, code = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(code) & 0xFF)


main()
