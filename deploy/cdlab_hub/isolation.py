"""A student's server sees its own /tmp, /dev/shm and System V / POSIX message-queue namespace.

Runs in preexec_fn, as root, after fork and before the server's exec: a new mount namespace where /tmp and /dev/shm
are fresh tmpfs mounts (sized, counted in the student's memory group), and a new IPC namespace (System V keys and
POSIX queues). Two students can then use the same FIFO path, the same ftok key or the same shm_open name without
meeting, and everything there vanishes with the server's last process. The network is shared (the hub reaches the
server over 127.0.0.1): ports are per machine -- the lectures bind port 0.
"""
import ctypes
import ctypes.util
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
MS_NOSUID = 2
MS_NODEV = 4
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def available():
    """Whether this process may create namespaces (root on Linux)."""
    return os.geteuid() == 0 and os.path.exists("/proc/self/ns/mnt") and os.path.exists("/proc/self/ns/ipc")


def private_namespaces(uid, gid, tmp_size="1g", shm_size="256m"):
    """A preexec_fn step: unshare mount+IPC namespaces, mount tmpfs on /tmp and /dev/shm."""

    def enter():
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
        _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        for target, size in ((b"/tmp", tmp_size), (b"/dev/shm", shm_size)):
            opts = f"mode=1777,size={size},uid=0,gid=0".encode()
            _check(_libc.mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, opts), f"mount tmpfs {target.decode()}")

    return enter
