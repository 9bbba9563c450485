"""CdlabSpawner: JupyterHub's LocalProcessSpawner (one Unix account per student) plus, for each server,
a control group with the student's limits (limits.py), private /tmp, /dev/shm and IPC namespaces
(isolation.py), and a cleanup on stop that leaves none of the server's processes behind."""
import asyncio
import os
import pwd

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Integer

from . import isolation
from .limits import Group, Limits, detect, kill_all


class CdlabSpawner(LocalProcessSpawner):
    pids_limit = Integer(512, config=True, help="Most processes and threads in one student's server (cgroup pids.max, else RLIMIT_NPROC)")
    cpu_weight = Integer(100, config=True, help="CPU share under contention (cgroup v2 cpu.weight; v1 cpu.shares = weight*1024/100)")
    isolate = Bool(True, config=True, help="Private /tmp, /dev/shm and IPC namespace for each server (needs root)")
    tmp_size = Integer(1 << 30, config=True, help="Size of the private /tmp tmpfs, in bytes (counted in the memory limit)")

    def _limits(self):
        return Limits(
            memory_bytes=int(self.mem_limit or (2 << 30)),
            pids=self.pids_limit,
            cpu_weight=self.cpu_weight,
            cpu_cores=float(self.cpu_limit or 0),
        )

    def _group(self):
        return Group(f"user-{self.user.name}")

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        join = self._group().joiner(self._limits())
        entry = pwd.getpwnam(name)
        private = (
            isolation.private_namespaces(entry.pw_uid, entry.pw_gid, tmp_size=str(self.tmp_size))
            if self.isolate and isolation.available()
            else None
        )

        def preexec():
            join()
            if private:
                private()
            become_user()

        return preexec

    async def start(self):
        home = pwd.getpwnam(self.user.name).pw_dir
        if os.path.isdir(home) and os.stat(home).st_mode & 0o077:
            os.chmod(home, 0o700)  # Debian's useradd makes homes 0755: a student's notebooks are theirs only
        group = self._group()
        self.log.info("cdlab: limits for %s by %s: %s", self.user.name, group.mechanism, self._limits())
        group.create(self._limits())
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        uid = pwd.getpwnam(self.user.name).pw_uid
        killed = await asyncio.get_running_loop().run_in_executor(None, kill_all, self._group(), uid)
        if killed:
            self.log.info("cdlab: %d process(es) of %s outlived the server and were killed", killed, self.user.name)


def mechanism():
    """The limit mechanism this machine allows (for the logs and the docs)."""
    return detect()
