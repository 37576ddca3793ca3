"""State a notebook can leave on the host outside its processes, and how to remove it.

Three kinds outlive a process unless removed: kernel keys (the user's, user-session and
persistent keyrings belong to a user id, not a process), System V IPC objects (shared
memory, message queues, semaphores) and files in world-writable folders (/tmp, /var/tmp,
/dev/shm with POSIX shared memory and semaphores, /run/lock, /dev/mqueue, ...). The
namespace level leaves none of the last two (its IPC namespace and root die with it);
every level clears keys. POSIX message queues cannot be made at all (RLIMIT_MSGQUEUE 0).
Files are looked for where a sandbox could write them (KNOWN_WORLD_WRITABLE and the
world-writable folders below them), by owner, never by walking the disk: cleaning up after
one sandbox costs milliseconds.

Two ways to clean: by user id where the student's is its own (`clear_user`), and by
difference against a snapshot where the student shares the grader's (`Snapshot`).
"""

import ctypes
import json
import os
import shutil
import stat

from . import host

SYS_KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219, "ppc64le": 271, "s390x": 280}.get(os.uname().machine)
KEYCTL_GET_KEYRING_ID, KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_REVOKE, KEYCTL_CLEAR = 0, 1, 3, 7
KEYCTL_SETPERM, KEYCTL_UNLINK, KEYCTL_READ, KEYCTL_GET_PERSISTENT = 5, 9, 11, 22
USER_KEYRING_PERMISSIONS = 0x1F3F0000  # the kernel's own: possessor and user only
KEY_SPEC_THREAD_KEYRING, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -1, -4, -5
IPC_RMID = 0
SYSV_KINDS = ("shm", "msg", "sem")
# Where a user id of its own can leave files on a standard Linux host: the folders every user may write in.
KNOWN_WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue", "/var/crash")
GRADER_PREFIX = "vg-"  # the grader's own temporary folders are named vg-...


# -- kernel keys ----------------------------------------------------------------------


def keyctl(*args):
    """The keyctl system call; -1 (errno set) where it is missing."""
    if SYS_KEYCTL is None:
        return -1
    return host.libc().syscall(SYS_KEYCTL, *[ctypes.c_long(arg) for arg in args])


def join_new_session_keyring():
    """Give the calling process an anonymous session keyring of its own.

    Called in the student's process before it runs anything: it then neither possesses the
    grader's session keyring nor shares one with an earlier notebook. Plain calls only
    (it runs between fork and exec).
    """
    if SYS_KEYCTL is not None:
        host.libc().syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_long(0))


def keyring_contents(keyring):
    """Serial numbers of the keys linked in `keyring` (a special id or a serial)."""
    buffer = ctypes.create_string_buffer(4 * 4096)
    size = keyctl(KEYCTL_READ, keyring, ctypes.addressof(buffer), len(buffer))
    if size <= 0:
        return []
    count = min(size, len(buffer)) // 4
    return list((ctypes.c_int32 * count).from_buffer_copy(buffer.raw[: 4 * count]))


def persistent_keyring():
    """Serial of the caller's persistent keyring, linked into the calling thread's keyring (which dies with it;
    a session keyring might be the user-session keyring, which would keep the link)."""
    return keyctl(KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_THREAD_KEYRING)


def user_keyrings():
    """The keyrings that belong to the caller's user id rather than to a process."""
    rings = [KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING]
    persistent = persistent_keyring()
    return rings + ([persistent] if persistent > 0 else [])


def clear_keyrings():
    """Revoke every key in the caller's user, user-session and persistent keyrings, and unlink them."""
    join_new_session_keyring()  # never link the persistent keyring into an inherited session
    for ring in user_keyrings():
        for key in keyring_contents(ring):
            keyctl(KEYCTL_REVOKE, key)
        keyctl(KEYCTL_CLEAR, ring)


def keys_of_user_keyrings():
    """{keyring serial: [key serials]} of the caller's user keyrings."""
    result = {}
    for ring in user_keyrings():
        serial = keyctl(KEYCTL_GET_KEYRING_ID, ring, 0)
        if serial > 0:
            result[serial] = keyring_contents(serial)
    return result


# -- System V IPC ---------------------------------------------------------------------


def sysv_objects():
    """[(kind, id, owner uid, creator uid)] of every System V IPC object on the machine."""
    found = []
    for kind in SYSV_KINDS:
        try:
            with open(f"/proc/sysvipc/{kind}") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        if not lines:
            continue
        header = lines[0].split()
        for line in lines[1:]:
            fields = dict(zip(header, line.split()))
            try:
                ident = int(fields["shmid" if kind == "shm" else "msqid" if kind == "msg" else "semid"])
                found.append((kind, ident, int(fields["uid"]), int(fields["cuid"])))
            except (KeyError, ValueError):
                continue
    return found


def remove_sysv(kind, ident):
    libc = host.libc()
    if kind == "shm":
        libc.shmctl(ident, IPC_RMID, None)
    elif kind == "msg":
        libc.msgctl(ident, IPC_RMID, None)
    else:
        libc.semctl(ident, 0, IPC_RMID)


# -- files in world-writable folders --------------------------------------------------


def _entries(folder):
    """The entries of `folder`, or none where it cannot be read (gone, or not ours to list)."""
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def world_writable_folders(skip_owner=None):
    """The KNOWN_WORLD_WRITABLE folders that exist here and the world-writable folders below them, reached
    through world-writable folders only (not entering those of `skip_owner`, which are removed whole).

    Where a user id of its own can leave files, without walking the disk: a world-writable folder
    elsewhere (below one that only its owner may write in) is not searched.
    """
    open_to_all = stat.S_IWOTH | stat.S_IXOTH
    found, stack = [], [os.path.realpath(folder) for folder in KNOWN_WORLD_WRITABLE if os.path.isdir(folder)]
    while stack:
        folder = stack.pop()
        if folder in found:
            continue
        found.append(folder)
        for entry in _entries(folder):
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_mode & open_to_all == open_to_all and info.st_uid != skip_owner:
                stack.append(entry.path)
    return sorted(found)


def remove_entry(path, is_folder):
    try:
        if is_folder:
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def files_of(uid, folders):
    """[(path, is folder)] of the entries owned by `uid` directly inside `folders`."""
    found = []
    for folder in folders:
        for entry in _entries(folder):
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    found.append((entry.path, entry.is_dir(follow_symlinks=False)))
            except OSError:
                continue
    return found


# -- the two ways to clean ------------------------------------------------------------


def user_keyring_serials(uid):
    """Serials of the user, user-session and persistent keyrings of `uid` that root may view (as another user).

    Read from /proc/keys: the user may have taken its own rights on them away, which also
    keeps the special ids (-4, -5) from resolving for it.
    """
    names = {f"_uid.{uid}:", f"_uid_ses.{uid}:", f"_persistent.{uid}:"}
    serials = []
    try:
        with open("/proc/keys") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) > 8 and fields[7] == "keyring" and fields[8] in names and fields[5] == str(uid):
                    serials.append(int(fields[0], 16))
    except (OSError, ValueError):
        pass
    return serials


def clear_keys(uid):
    """Unlink every key from the user, user-session and persistent keyrings of `uid` (root only)."""
    host.as_user(uid, uid, clear_keyrings)
    # A notebook may have taken its own rights on its keyrings away and given them to others: root
    # then has them (as "other"), and clears what the user could not.
    for serial in user_keyring_serials(uid):
        for key in keyring_contents(serial):
            keyctl(KEYCTL_UNLINK, key, serial)
        keyctl(KEYCTL_CLEAR, serial)
        keyctl(KEYCTL_SETPERM, serial, USER_KEYRING_PERMISSIONS)  # closed to other users again


def clear_user(uid, gid):
    """Remove everything user `uid` (a student's own id, all its processes dead) left on the host."""
    clear_keys(uid)
    for kind, ident, owner, creator in sysv_objects():
        if uid in (owner, creator):
            remove_sysv(kind, ident)
    for path, is_folder in files_of(uid, world_writable_folders(skip_owner=uid)):
        remove_entry(path, is_folder)


def left_by(uid):
    """What user `uid` holds that outlives its processes: {"keys", "ipc", "files"} (keys: root or uid only)."""
    keys = set()
    if os.geteuid() == 0:
        read, write = os.pipe()

        def report():
            join_new_session_keyring()  # the persistent keyring is linked into it, not into the grader's
            os.write(write, json.dumps(keys_of_user_keyrings()).encode())

        host.as_user(uid, uid, report)
        os.close(write)
        with os.fdopen(read) as handle:
            text = handle.read()
        keys.update(key for ring in (json.loads(text) if text else {}).values() for key in ring)
        for serial in user_keyring_serials(uid):  # what only others may read
            keys.update(keyring_contents(serial))
    elif uid == os.getuid():
        keys.update(key for ring in keys_of_user_keyrings().values() for key in ring)
    ipc = [(kind, ident) for kind, ident, owner, creator in sysv_objects() if uid in (owner, creator)]
    files = [path for path, _ in files_of(uid, world_writable_folders())]
    return {"keys": sorted(keys), "ipc": ipc, "files": files}


class Snapshot:
    """What the grader's own user id holds now, so that what a notebook adds under it can be removed.

    For the process level, where the student runs as the grader's user: keys added to its
    user keyrings, System V objects it created, files in the known world-writable folders.
    """

    def __init__(self):
        self.uid = os.getuid()
        self.keys = keys_of_user_keyrings()
        self.ipc = {(kind, ident) for kind, ident, _, creator in sysv_objects() if creator == self.uid}
        self.folders = world_writable_folders()
        self.files = {path for path, _ in files_of(self.uid, self.folders)}

    def remove_additions(self):
        for ring, keys in keys_of_user_keyrings().items():
            before = set(self.keys.get(ring, []))
            for key in keys:
                if key not in before:
                    keyctl(KEYCTL_REVOKE, key)
                    keyctl(KEYCTL_UNLINK, key, ring)
        for kind, ident, _, creator in sysv_objects():
            if creator == self.uid and (kind, ident) not in self.ipc:
                remove_sysv(kind, ident)
        for path, is_folder in files_of(self.uid, self.folders):
            # vg-*: working folders of other graders of this user, running at the same time
            if path not in self.files and not os.path.basename(path).startswith(GRADER_PREFIX):
                remove_entry(path, is_folder)
