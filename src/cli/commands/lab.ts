import { spawn } from "node:child_process";
import { isRunning } from "../../proc/child";
import { validatePort } from "../../runtime/errors";
import { defineCommand } from "../command";
import { jupyterCommand, waitUntilListening } from "../jupyter";

const usage = `Usage: cdlab lab [--port N] [--browser]

Starts JupyterLab on 127.0.0.1 with a token, on the course notebooks, with the
cdlab kernel as default, and prints the URL to open. Ctrl-C stops it.
  --port N     port to listen on (default 8888; the next free one if taken)
  --browser    also open a web browser`;

export const command = defineCommand({
  name: "lab",
  summary: "start JupyterLab on the course notebooks",
  usage,
  options: { port: { type: "string" }, browser: { type: "boolean" } },
  positionals: { min: 0, max: 0 },
  async run({ values }) {
    const port = values.port === undefined ? 8888 : validatePort(values.port, "--port");
    const { cmd, args, token, env } = jupyterCommand({ app: "lab", port, browser: Boolean(values.browser) });
    const child = spawn(cmd, args, { env, stdio: ["ignore", "inherit", "pipe"] });
    let shown = false;
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      const m = /(http:\/\/127\.0\.0\.1:\d+\/lab)/.exec(d.toString());
      if (m && !shown) {
        shown = true;
        // Print the URL once it answers: Jupyter logs it before it binds the port.
        waitUntilListening(m[1], { alive: () => isRunning(child) }).then(
          () => process.stdout.write(`\nJupyterLab: ${m[1]}?token=${token}\n\n`),
          () => undefined, // Jupyter exited or never listened: its own log says why
        );
      }
    });
    // Ctrl-C or SIGTERM: ask Jupyter to shut down (SIGTERM stops it without its
    // interactive "Shutdown this Jupyter server?" prompt), SIGKILL if it hangs.
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return new Promise<number>((resolve) =>
      child.on("exit", (code, signal) => resolve(stopping ? 0 : code ?? (signal ? 1 : 0))),
    );
  },
});
