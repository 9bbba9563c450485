/**
 * kernel/python/cdlab_jupyter, the server extension behind the lab the browser
 * talks to: it wraps the server's kernel websocket connection class so that
 * TCP_NODELAY is set on the websocket before the kernel connection starts.
 * Checked in the .venv's Python against jupyter_server's real connection class
 * (with a recording websocket handler), plus the enablement flags in
 * jupyterCommand. The effect on latency is measured by `npm run bench`.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { jupyterCommand } from "../../src/cli/jupyter";

const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = path.join(REPO, ".venv", "bin", "python");

const SCRIPT = String.raw`
import asyncio, json, types
import cdlab_jupyter as ext
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

calls = []

class FakeHandler:
    ws_connection = object()
    def set_nodelay(self, value):
        calls.append(("set_nodelay", value))

class Base(ZMQChannelsWebsocketConnection):
    async def connect(self):
        calls.append(("connect",))
        return "connected"

Wrapped = ext.nodelay_connection_class(Base)
conn = Wrapped.__new__(Wrapped)          # no traitlets init needed for connect()
conn.__dict__["_trait_values"] = {"websocket_handler": FakeHandler()}
result = asyncio.run(Wrapped.connect(conn))

class Log:
    def info(self, *a): calls.append(("log", a[0] % a[1:]))
app = types.SimpleNamespace(web_app=types.SimpleNamespace(settings={"kernel_websocket_connection_class": ZMQChannelsWebsocketConnection}),
                            kernel_websocket_connection_class=ZMQChannelsWebsocketConnection, log=Log())
ext._load_jupyter_server_extension(app)
installed = app.web_app.settings["kernel_websocket_connection_class"]
print(json.dumps({
    "calls": calls, "result": result,
    "subclass": issubclass(installed, ZMQChannelsWebsocketConnection),
    "idempotent": ext.nodelay_connection_class(installed) is installed,
    "points": ext._jupyter_server_extension_points(),
}))
`;

describe("cdlab_jupyter server extension (TCP_NODELAY on kernel websockets)", function () {
  before(function () {
    if (!fs.existsSync(PYTHON)) this.skip();
  });

  it("sets no-delay on the websocket before the kernel connection starts, and installs itself in the server", function () {
    const r = spawnSync(PYTHON, ["-c", SCRIPT], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: path.join(REPO, "kernel", "python") },
      timeout: 30_000,
    });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.calls.slice(0, 2)).to.deep.equal([["set_nodelay", true], ["connect"]]);
    expect(out.result).to.equal("connected");
    expect(out.calls[2][1]).to.match(/^cdlab_jupyter: TCP_NODELAY on kernel websockets/);
    expect(out.subclass).to.equal(true);
    expect(out.idempotent).to.equal(true);
    expect(out.points).to.deep.equal([{ module: "cdlab_jupyter" }]);
  });

  it("is enabled by jupyterCommand for lab and server, and left out only on request", function () {
    for (const app of ["lab", "server"] as const) {
      const { args, env } = jupyterCommand({ app, port: 0 });
      expect(args).to.include("--ServerApp.jpserver_extensions=cdlab_jupyter=True");
      expect(env.PYTHONPATH!.split(path.delimiter)[0]).to.equal(path.join(REPO, "kernel", "python"));
    }
    const stock = jupyterCommand({ app: "server", port: 0, noDelay: false });
    expect(stock.args.join(" ")).not.to.contain("cdlab_jupyter");
  });
});
