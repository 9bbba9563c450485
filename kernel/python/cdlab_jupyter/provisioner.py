"""A kernel provisioner that keeps one warm spare cdlab kernel.

A cold cdlab kernel spends about a second loading (snapshot, TypeScript, the
program) before its first result. This provisioner starts the kernelspec's
command with ``--spare`` in place of ``--connection-file <file>``: the spare
loads everything, binds nothing, and waits for one line of JSON on its stdin
(the claim: connection file, cwd, env). The next kernel started with the same
command, working directory and start-time environment claims it instead of
starting cold.

At most one spare per process (the Jupyter server, nbclient, a bench): it is
killed when replaced, after ``spare_idle_seconds`` unused, and at interpreter
exit; if this process dies, the spare reads EOF on its stdin and exits.
Each launch records its folder (last_folder.py), where the next server's
first spare starts (prestart.py).

Registered as the ``cdlab-spare`` entry point of ``jupyter_client.kernel_provisioners``
(scripts/setup.js); named by the kernelspec's ``metadata.kernel_provisioner``.
``CDLAB_KERNEL_SPARE=0`` in this process's environment disables it.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import subprocess
import threading
import time
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Bool, Float

from . import last_folder

__all__ = ["SpareProvisioner", "spare_argv", "spare_request", "schedule_first_spare", "discard_spare"]

# Seconds between a kernel's launch and its replacement spare's start: the
# spare's loading must not compete with the new kernel's first cell.
SPARE_DELAY_S = 1.0
# How often the pool looks for a spare that exited by itself (to reap it).
REAP_EVERY_S = 1.0
# Environment variables a kernel reads while it loads, before the claim
# replaces its environment (PATH and HOME: Node's global module folders;
# TSC_*: TypeScript at load): a spare started with other values is not reused.
_START_ENV = re.compile(r"^(NODE_|CDLAB_KERNEL_|LD_|UV_|LC_|TSC_)|^(GLIBC_TUNABLES|TZ|LANG|TMPDIR|PATH|HOME)$")


def spare_argv(cmd: list[str]) -> list[str] | None:
    """The spare's command for the kernel command ``cmd``: the pair
    ``--connection-file <file>`` (or ``--connection-file=<file>``) replaced by
    ``--spare``; None when ``cmd`` has no connection file argument."""
    for i, arg in enumerate(cmd):
        if arg == "--connection-file" and i + 1 < len(cmd):
            return [*cmd[:i], "--spare", *cmd[i + 2 :]]
        if arg.startswith("--connection-file="):
            return [*cmd[:i], "--spare", *cmd[i + 1 :]]
    return None


def _start_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if _START_ENV.search(k)))


def _stream_key(stream: Any) -> Any:
    return stream if stream is None or isinstance(stream, int) else id(stream)


class _Request:
    """What a spare is started with, and the key a launch must match to claim it."""

    def __init__(self, argv: list[str], cwd: str, env: dict[str, str], stdout: Any, stderr: Any, idle_s: float):
        self.argv, self.cwd, self.env = argv, cwd, env
        self.stdout, self.stderr, self.idle_s = stdout, stderr, idle_s
        self.key = (tuple(argv), os.path.realpath(cwd), _start_env(env), _stream_key(stdout), _stream_key(stderr))


def spare_request(argv: list[str], cwd: str, env: Any, stdout: Any = None, stderr: Any = None, idle_s: float = 900.0) -> _Request:
    """The spare for a launch of ``argv`` (already a spare command, see
    spare_argv) in ``cwd`` with ``env``: the environment gets JPY_PARENT_PID
    as jupyter_client's launcher sets it. The prestart of a server builds its
    request here too, so its key is the one the server's first launch computes."""
    env = {str(k): str(v) for k, v in env.items()}
    env["JPY_PARENT_PID"] = str(os.getpid())
    return _Request(argv, os.path.abspath(cwd), env, stdout, stderr, idle_s)


class _Spare:
    def __init__(self, proc: subprocess.Popen, key: tuple, idle_s: float):
        self.proc, self.key = proc, key
        self.deadline = time.monotonic() + idle_s


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the spare's process group (its own session) and reap it; one
    already reaped is left alone (its pid may belong to another process now)."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            try:
                proc.kill()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    if proc.stdin:
        try:
            proc.stdin.close()
        except OSError:
            pass


class _Pool:
    """The process's one spare and the request for the next one, served by a
    daemon thread: a synchronous KernelManager runs its event loop only inside
    each call, so ``loop.call_later`` would start the spare at the next call
    (or never); a thread starts it on time whatever drives the manager."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._spare: _Spare | None = None
        self._pending: tuple[float, _Request] | None = None
        self._thread: threading.Thread | None = None
        self._launched = False
        self.log: Any = None

    def claim(self, key: tuple) -> subprocess.Popen | None:
        """Take the spare if it is alive and matches ``key``; a spare that does
        not match, or died, is killed and reaped."""
        with self._cond:
            spare, self._spare = self._spare, None
            self._launched = True
        if spare is None:
            return None
        if spare.key == key and spare.proc.poll() is None:
            return spare.proc
        self._debug("spare pid %s discarded (%s)", spare.proc.pid, "exited" if spare.proc.poll() is not None else "other command, cwd or env")
        _kill(spare.proc)
        return None

    def schedule(self, request: _Request, delay_s: float = SPARE_DELAY_S) -> None:
        """Start a spare for ``request`` in ``delay_s``, replacing any other."""
        with self._cond:
            old, self._spare = self._spare, None
            self._pending = (time.monotonic() + delay_s, request)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cdlab-spare", daemon=True)
                self._thread.start()
            self._cond.notify()
        if old is not None:
            _kill(old.proc)

    def schedule_first(self, request: _Request, delay_s: float) -> bool:
        """Schedule ``request`` only if no launch came first (it left its own
        spare, for its folder) and nothing is waiting or scheduled."""
        with self._cond:
            if self._launched or self._spare is not None or self._pending is not None:
                return False
        self.schedule(request, delay_s)
        return True

    def discard(self) -> None:
        """Kill the spare and forget the pending one (atexit, tests, benches)."""
        with self._cond:
            old, self._spare, self._pending = self._spare, None, None
            self._cond.notify()
        if old is not None:
            _kill(old.proc)

    def spare_pid(self) -> int | None:
        with self._cond:
            return self._spare.proc.pid if self._spare else None

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                gone = None
                if self._pending and self._pending[0] <= now:
                    # Started under the lock: a claim meanwhile waits the few ms of the spawn and gets it.
                    request, self._pending = self._pending[1], None
                    self._start(request)
                elif self._spare is not None and (self._spare.proc.poll() is not None or now >= self._spare.deadline):
                    gone, self._spare = self._spare, None
                else:
                    waits = [self._pending[0] - now] if self._pending else []
                    if self._spare is not None:
                        waits += [REAP_EVERY_S, self._spare.deadline - now]
                    self._cond.wait(max(0.0, min(waits)) if waits else None)
            if gone is not None:
                self._debug("spare pid %s %s", gone.proc.pid, "exited" if gone.proc.poll() is not None else "idle: killed")
                _kill(gone.proc)

    def _start(self, request: _Request) -> None:
        """Start the spare for ``request`` (the lock held)."""
        try:
            proc = subprocess.Popen(
                request.argv, stdin=subprocess.PIPE, stdout=request.stdout, stderr=request.stderr,
                cwd=request.cwd, env=request.env, start_new_session=True,
            )
        except Exception as e:  # noqa: BLE001 - an OSError, or a bad argument: no spare this time
            self._debug("spare not started: %s", e)
            return
        self._spare = _Spare(proc, request.key, request.idle_s)
        self._debug("spare pid %s started in %s", proc.pid, request.cwd)

    def _debug(self, msg: str, *args: Any) -> None:
        if self.log is not None:
            self.log.debug("cdlab-spare: " + msg, *args)


_POOL = _Pool()
atexit.register(_POOL.discard)


def schedule_first_spare(request: _Request, delay_s: float = 0.0) -> bool:
    """Start this process's spare for ``request`` in ``delay_s`` (in the pool's
    thread), unless a kernel was launched already or a spare is waiting or
    scheduled; whether it was scheduled."""
    return _POOL.schedule_first(request, delay_s)


def discard_spare() -> None:
    """Kill this process's spare kernel, if any, and cancel a scheduled one."""
    _POOL.discard()


def spare_pid() -> int | None:
    """The pid of this process's waiting spare kernel, or None."""
    return _POOL.spare_pid()


class SpareProvisioner(LocalProvisioner):
    """LocalProvisioner that claims the process's warm spare kernel when it
    matches, and leaves a new spare behind after each launch."""

    spare = Bool(True, help="Keep one warm spare kernel for the next start in the same folder.").tag(config=True)
    spare_idle_seconds = Float(900.0, help="Kill a spare unused for this long (seconds).").tag(config=True)

    def _enabled(self) -> bool:
        return bool(self.spare) and os.environ.get("CDLAB_KERNEL_SPARE") != "0"

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Claim the spare, else start cold; then schedule the next spare.
        Nothing about the spare raises out of here: it falls back to a cold start."""
        _POOL.log = self.log
        try:
            last_folder.remember(str(kwargs.get("cwd") or os.getcwd()))
        except Exception as e:  # noqa: BLE001 - a hint for the next server's prestart, never a reason to fail
            self.log.debug("cdlab-spare: last folder not recorded (%s)", e)
        argv = spare_argv(cmd) if self._enabled() else None
        if argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        request, proc = None, None
        try:
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = kwargs.get("env") or os.environ
            request = spare_request(argv, cwd, env, kwargs.get("stdout"), kwargs.get("stderr"), float(self.spare_idle_seconds))
            proc = _POOL.claim(request.key)
            if proc is not None and not self._hand_over(proc, request):
                proc = None
        except Exception as e:  # noqa: BLE001 - the spare is an optimization: never fail the launch for it
            self.log.debug("cdlab-spare: no spare for this start (%s)", e)
        if proc is not None and request is not None:
            self.process = proc
            self.pid = proc.pid
            try:
                self.pgid = os.getpgid(proc.pid)
            except OSError:
                self.pgid = None
            self.cwd = kwargs.get("cwd", request.cwd)
            self.log.info("cdlab-spare: kernel %s is the warm spare pid %s", self.kernel_id, proc.pid)
            info = self.connection_info
        else:
            info = await super().launch_kernel(cmd, **kwargs)
        if request is not None:
            try:
                _POOL.schedule(request)
            except Exception as e:  # noqa: BLE001
                self.log.debug("cdlab-spare: next spare not scheduled (%s)", e)
        return info

    def _hand_over(self, proc: subprocess.Popen, request: _Request) -> bool:
        """Write the claim line to the spare's stdin and close it; False (the
        spare killed and reaped) when the spare is gone."""
        km = self.parent
        connection_file = os.path.abspath(km.connection_file) if km is not None else ""
        line = json.dumps({"connection_file": connection_file, "cwd": request.cwd, "env": request.env}) + "\n"
        try:
            assert proc.stdin is not None
            proc.stdin.write(line.encode())
            proc.stdin.close()
            return True
        except (OSError, ValueError) as e:
            self.log.debug("cdlab-spare: claim of pid %s failed (%s): cold start", proc.pid, e)
            _kill(proc)
            return False
