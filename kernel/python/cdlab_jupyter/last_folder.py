"""The folder the last cdlab kernel of this user was launched in.

The spare provisioner records it at each launch, in a small JSON file in the
Jupyter runtime directory (``$JUPYTER_RUNTIME_DIR``, else
``<jupyter data dir>/runtime``, which survives a reboot); a server that
prestarts a spare (prestart.py) reads it to guess where its first kernel will
start. Neither side ever fails for it: a missing, unreadable or odd file reads
as None.
"""

from __future__ import annotations

import json
import os

from jupyter_core.paths import jupyter_runtime_dir

__all__ = ["STATE_FILE", "state_path", "remember", "recall"]

STATE_FILE = "cdlab-last-kernel-folder.json"


def state_path() -> str:
    """Where the last folder is recorded."""
    return os.path.join(jupyter_runtime_dir(), STATE_FILE)


def remember(folder: str) -> None:
    """Record ``folder`` (absolute) as the last kernel's, atomically; errors are ignored."""
    path = state_path()
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"cwd": os.path.abspath(folder)}, f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def recall() -> str | None:
    """The recorded folder, or None when there is none or the file is unreadable."""
    try:
        with open(state_path(), encoding="utf-8") as f:
            cwd = json.load(f).get("cwd")
    except (OSError, ValueError, AttributeError):
        return None
    return cwd if isinstance(cwd, str) and os.path.isabs(cwd) else None
