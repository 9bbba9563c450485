"""A warm spare for the first kernel of a Jupyter server, too.

The ``cdlab-spare`` provisioner (provisioner.py) leaves a spare behind each
launch, so a server's first kernel was still cold. With
``--SparePrestart.enabled=True`` (``cdlab lab`` passes it: src/cli/jupyter.ts),
the server extension schedules one spare when the server is up, for the folder
its first kernel most likely starts in: the folder of the last cdlab kernel this
user launched (last_folder.py) when it still exists under the server's
root_dir, else root_dir. The request is built as the provisioner builds a
launch's from what jupyter_server hands it (the kernelspec's argv formatted as
jupyter_client formats it, the server's environment with the kernelspec's env
stanza, no stdout/stderr redirection), so that launch claims it. The spare goes
as the provisioner's do: replaced, idle-killed, killed at exit, or EOF on its
stdin when the server dies. Nothing here can fail or delay the server's start.
"""

from __future__ import annotations

import os
import re
import sys
from string import Template
from typing import Any

from traitlets import Bool, Float, Unicode
from traitlets.config import Configurable

from . import last_folder

__all__ = ["SparePrestart", "prestart_folder", "kernel_argv", "kernel_env"]

PROVISIONER = "cdlab-spare"


class SparePrestart(Configurable):
    """Prestart a warm spare kernel for a server's first kernel."""

    enabled = Bool(False, help="Start a warm spare kernel a few seconds after the server is up.").tag(config=True)
    delay_seconds = Float(3.0, help="Seconds between the server's event loop start and the spare's start.").tag(config=True)
    kernel_name = Unicode("cdlab", help="Kernelspec whose first start gets the spare.").tag(config=True)


def _inside(folder: str, root: str) -> bool:
    folder, root = os.path.realpath(folder), os.path.realpath(root)
    return folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)


def prestart_folder(root_dir: str) -> str:
    """The last kernel's folder if it still exists under ``root_dir``, else ``root_dir``."""
    last = last_folder.recall()
    if last is not None and os.path.isdir(last) and _inside(last, root_dir):
        return last
    return os.path.abspath(root_dir)


def kernel_argv(spec: Any, cwd: str) -> list[str]:
    """The kernelspec's argv as jupyter_client's ``format_kernel_cmd`` makes it
    (``python`` is this interpreter; ``{prefix}``, ``{resource_dir}``, ``{cwd}``
    filled), with a stand-in connection file that spare_argv then removes."""
    cmd = list(spec.argv)
    if cmd and cmd[0] in {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}:
        cmd[0] = sys.executable
    ns = {"connection_file": "/prestart.json", "prefix": sys.prefix, "resource_dir": spec.resource_dir, "cwd": cwd}
    pattern = re.compile(r"\{([A-Za-z0-9_]+)\}")
    return [pattern.sub(lambda m: str(ns.get(m.group(1), m.group())), arg) for arg in cmd]


def kernel_env(spec: Any, provisioner: Any) -> dict[str, str]:
    """The environment a kernel started through this server gets before its
    launch: ours (the session's JPY_SESSION_NAME aside, which no spare key reads),
    the kernelspec's env stanza substituted from it, then the provisioner's
    ``_finalize_env``, as ``KernelProvisionerBase.pre_launch`` does."""
    env = dict(os.environ)
    env.update({k: Template(v).safe_substitute(env) for k, v in (spec.env or {}).items()})
    provisioner._finalize_env(env)
    return env


def _schedule(serverapp: Any, options: SparePrestart) -> None:
    """Build the request and have the pool's thread start it now; logs why not
    when the kernelspec has no enabled spare."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    from .provisioner import SpareProvisioner, schedule_first_spare, spare_argv, spare_request

    log = serverapp.log
    if os.environ.get("CDLAB_KERNEL_SPARE") == "0":
        log.info("cdlab_jupyter: no prestarted spare kernel (CDLAB_KERNEL_SPARE=0)")
        return
    spec = serverapp.kernel_spec_manager.get_kernel_spec(options.kernel_name)
    stanza = (spec.metadata or {}).get("kernel_provisioner") or {}
    if stanza.get("provisioner_name") != PROVISIONER:
        log.info("cdlab_jupyter: no prestarted spare kernel (kernelspec %s does not name %s)", options.kernel_name, PROVISIONER)
        return
    # The provisioner the server's launch would create, for its configuration (spec stanza + traitlets config).
    provisioner = KernelProvisionerFactory.instance(parent=serverapp.kernel_manager).create_provisioner_instance(
        "prestart", spec, parent=serverapp.kernel_manager
    )
    if not isinstance(provisioner, SpareProvisioner) or not provisioner._enabled():
        log.info("cdlab_jupyter: no prestarted spare kernel (spares disabled in kernelspec %s)", options.kernel_name)
        return
    cwd = prestart_folder(serverapp.root_dir)
    argv = spare_argv(kernel_argv(spec, cwd))
    if argv is None:
        log.info("cdlab_jupyter: no prestarted spare kernel (kernelspec %s has no --connection-file)", options.kernel_name)
        return
    request = spare_request(argv, cwd, kernel_env(spec, provisioner), None, None, float(provisioner.spare_idle_seconds))
    if not schedule_first_spare(request):
        log.info("cdlab_jupyter: no prestarted spare kernel (a kernel started first and left its own)")
        return
    log.info("cdlab_jupyter: starting a warm spare kernel in %s for the first kernel (--SparePrestart.enabled=False turns it off)", cwd)


def _note(serverapp: Any, msg: str, *args: Any) -> None:
    """Log an info line if the server has a logger that can; never raises."""
    try:
        serverapp.log.info(msg, *args)
    except Exception:  # noqa: BLE001, S110 - a log line is not worth a failed server start
        pass


def prestart(serverapp: Any) -> None:
    """Called at extension load: ``delay_seconds`` after the server's event loop
    starts, have the spare started (in the pool's thread, not the loop's). Any
    error is logged and the server goes on; nothing here raises."""

    def run() -> None:
        try:
            _schedule(serverapp, options)
        except Exception as e:  # noqa: BLE001 - the spare is an optimization: never fail the server for it
            _note(serverapp, "cdlab_jupyter: no prestarted spare kernel (%s)", e)

    def later() -> None:
        try:
            serverapp.io_loop.call_later(max(0.0, float(options.delay_seconds)), run)
        except Exception as e:  # noqa: BLE001
            _note(serverapp, "cdlab_jupyter: no prestarted spare kernel (%s)", e)

    try:
        options = SparePrestart(parent=serverapp)
        if options.enabled:
            serverapp.io_loop.add_callback(later)
    except Exception as e:  # noqa: BLE001 - e.g. a server without traitlets config or io_loop
        _note(serverapp, "cdlab_jupyter: no prestarted spare kernel (%s)", e)
