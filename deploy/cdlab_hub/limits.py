"""Per-student limits: one control group per student's server, else rlimits.

Which mechanism a machine allows is decided once, by probing:
  - "cgroup2": a writable unified hierarchy at /sys/fs/cgroup (memory.max, pids.max, cpu.weight, cpu.max);
  - "cgroup1": writable v1 controllers memory, pids and cpu (memory.limit_in_bytes, pids.max, cpu.shares,
    cpu.cfs_quota_us) -- what this project's CI machine has;
  - "rlimit": neither; only RLIMIT_NPROC (per uid) and RLIMIT_CORE. There is no memory limit then: V8 reserves far
    more address space than it uses, so RLIMIT_AS would break node.

A group also lists every process the server started, double-forked daemons included: `kill_all` empties it when
the server stops.
"""
import os
import resource
import signal
import time
from dataclasses import dataclass

V1 = "/sys/fs/cgroup"
V2 = "/sys/fs/cgroup"
PARENT = "cdlab"


@dataclass
class Limits:
    memory_bytes: int = 2 << 30
    pids: int = 512
    cpu_weight: int = 100  # cgroup v2 weight (1..10000); v1 shares = weight * 1024 / 100
    cpu_cores: float = 1.0  # hard ceiling, in cores (0: none)


def _writable(path):
    return os.path.isdir(path) and os.access(path, os.W_OK)


def detect():
    """The mechanism this machine allows: "cgroup2", "cgroup1" or "rlimit"."""
    if os.geteuid() != 0:
        return "rlimit"
    if os.path.exists(os.path.join(V2, "cgroup.controllers")) and _writable(V2):
        return "cgroup2"
    if all(_writable(os.path.join(V1, c)) for c in ("memory", "pids", "cpu")):
        return "cgroup1"
    return "rlimit"


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


class Group:
    """The control group(s) of one student's server, named after the student."""

    def __init__(self, name, mechanism=None):
        self.name = name
        self.mechanism = mechanism or detect()

    def dirs(self):
        if self.mechanism == "cgroup2":
            return [os.path.join(V2, PARENT, self.name)]
        if self.mechanism == "cgroup1":
            return [os.path.join(V1, c, PARENT, self.name) for c in ("memory", "pids", "cpu")]
        return []

    def create(self, limits):
        """Create the group(s) and set the limits (as root, in the hub)."""
        if self.mechanism == "cgroup2":
            parent = os.path.join(V2, PARENT)
            os.makedirs(parent, exist_ok=True)
            _write(os.path.join(V2, "cgroup.subtree_control"), "+memory +pids +cpu")
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids +cpu")
            d = self.dirs()[0]
            os.makedirs(d, exist_ok=True)
            _write(os.path.join(d, "memory.max"), limits.memory_bytes)
            if os.path.exists(os.path.join(d, "memory.swap.max")):
                _write(os.path.join(d, "memory.swap.max"), 0)
            _write(os.path.join(d, "pids.max"), limits.pids)
            _write(os.path.join(d, "cpu.weight"), limits.cpu_weight)
            if limits.cpu_cores:
                _write(os.path.join(d, "cpu.max"), f"{int(limits.cpu_cores * 100000)} 100000")
        elif self.mechanism == "cgroup1":
            mem, pids, cpu = self.dirs()
            for d in (mem, pids, cpu):
                os.makedirs(d, exist_ok=True)
            _write(os.path.join(mem, "memory.limit_in_bytes"), limits.memory_bytes)
            _write(os.path.join(pids, "pids.max"), limits.pids)
            _write(os.path.join(cpu, "cpu.shares"), max(2, limits.cpu_weight * 1024 // 100))
            if limits.cpu_cores:
                _write(os.path.join(cpu, "cpu.cfs_period_us"), 100000)
                _write(os.path.join(cpu, "cpu.cfs_quota_us"), int(limits.cpu_cores * 100000))

    def joiner(self, limits):
        """A function for preexec_fn (runs as root in the forked child): join the group(s), or set rlimits."""
        procs = [os.path.join(d, "cgroup.procs") for d in self.dirs()]
        mechanism = self.mechanism

        def join():
            for p in procs:
                _write(p, os.getpid())
            if mechanism == "rlimit":
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        return join

    def pids(self):
        found = set()
        for d in self.dirs():
            try:
                with open(os.path.join(d, "cgroup.procs")) as f:
                    found.update(int(line) for line in f if line.strip())
            except FileNotFoundError:
                pass
        return found

    def memory_bytes(self):
        """Memory charged to the group now (None without a group)."""
        if self.mechanism == "cgroup2":
            path = os.path.join(self.dirs()[0], "memory.current")
        elif self.mechanism == "cgroup1":
            path = os.path.join(self.dirs()[0], "memory.usage_in_bytes")
        else:
            return None
        try:
            with open(path) as f:
                return int(f.read())
        except FileNotFoundError:
            return None

    def remove(self):
        for d in self.dirs():
            try:
                os.rmdir(d)
            except (FileNotFoundError, OSError):
                pass


def uid_pids(uid):
    """Every process whose real uid is `uid` (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            found.add(int(entry))
                        break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return found


def kill_all(group, uid, timeout=5.0):
    """SIGKILL every process of the group and of the uid until none is left; returns how many were killed."""
    killed = set()
    deadline = time.monotonic() + timeout
    while True:
        left = group.pids() | (uid_pids(uid) if uid is not None and uid != 0 else set())
        left.discard(os.getpid())
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    group.remove()
    return len(killed)
