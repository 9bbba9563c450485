"""cdlab's Jupyter server extension: kernel websockets without Nagle's delay.

A stock jupyter_server leaves Nagle's algorithm on for its websockets. A cell's
reply is several small frames (status busy, execute_input, the output, the
reply, status idle); after the first one, the kernel's bytes wait until the
browser acknowledges it, and the browser delays its ACK by up to 40 ms. Every
round trip through the server paid those ~40 ms. Setting TCP_NODELAY on the
kernel websocket once it is open removes that wait.

Enabled for every server cdlab starts (src/cli/jupyter.ts):
``--ServerApp.jpserver_extensions={"cdlab_jupyter": true}`` with this folder on
PYTHONPATH.

It also prestarts a warm spare kernel for the server's first kernel when
``--SparePrestart.enabled=True`` (prestart.py; ``cdlab lab`` turns it on).

The package also holds the ``cdlab-spare`` kernel provisioner (provisioner.py).
"""

from __future__ import annotations

from typing import Any

from .prestart import prestart

__all__ = ["nodelay_connection_class"]

_SETTING = "kernel_websocket_connection_class"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The extension point Jupyter looks up: this module."""
    return [{"module": "cdlab_jupyter"}]


def nodelay_connection_class(base: type) -> type:
    """A subclass of the kernel websocket connection class ``base`` whose
    ``connect()`` (called from the handler's ``open()``, once the websocket
    handshake is done) first sets TCP_NODELAY on the websocket's stream."""
    if getattr(base, "_cdlab_nodelay", False):
        return base

    class NoDelayKernelWebsocketConnection(base):  # type: ignore[misc, valid-type]
        _cdlab_nodelay = True

        async def connect(self) -> Any:
            handler = self.websocket_handler
            # ws_connection is None only if the client already went away.
            if handler is not None and handler.ws_connection is not None:
                handler.set_nodelay(True)
            return await super().connect()

    NoDelayKernelWebsocketConnection.__name__ = f"NoDelay{base.__name__}"
    NoDelayKernelWebsocketConnection.__qualname__ = NoDelayKernelWebsocketConnection.__name__
    return NoDelayKernelWebsocketConnection


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Wrap the server's kernel websocket connection class (whatever it is
    configured to be: ZMQ channels, or a gateway's) so it sets no-delay."""
    settings = serverapp.web_app.settings
    base = settings.get(_SETTING) or serverapp.kernel_websocket_connection_class
    wrapped = nodelay_connection_class(base)
    settings[_SETTING] = wrapped
    serverapp.log.info("cdlab_jupyter: TCP_NODELAY on kernel websockets (%s)", wrapped.__name__)
    prestart(serverapp)
