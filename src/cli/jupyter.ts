/**
 * How cdlab starts a Jupyter server or JupyterLab: one place for the flags, used
 * by `cdlab lab`, the test harness and the benchmarks.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CdlabError } from "../errors";
import { ROOT } from "./kernelspec";

/** Options for {@link jupyterCommand}. */
export interface JupyterOptions {
  /** `lab` (JupyterLab UI) or `server` (API only). @default "lab" */
  app?: "lab" | "server";
  /** Port; 0 lets the OS pick. @default 8888 */
  port?: number;
  /** Access token. @default a random 48-hex-digit token */
  token?: string;
  /** Folder the server shows. @default notebooks/ of the repo */
  root?: string;
  /** Open a browser. @default false */
  browser?: boolean;
  /**
   * Load cdlab's server extension (kernel/python/cdlab_jupyter), which sets
   * TCP_NODELAY on kernel websockets: without it every round trip through the
   * server waits ~40 ms for a delayed ACK (Nagle). `false` gives a stock server,
   * for the benchmarks. @default true
   */
  noDelay?: boolean;
}

/** The venv's jupyter executable, or a clear error telling how to get it. */
export function jupyterBin(): string {
  const bin = path.join(ROOT, ".venv", "bin", "jupyter");
  if (!fs.existsSync(bin)) throw new CdlabError("ENOENT", `JupyterLab is not installed in ${path.join(ROOT, ".venv")}: run npm run setup`);
  return bin;
}

/** A fresh random token. */
export function newToken(): string {
  return crypto.randomBytes(24).toString("hex");
}

/**
 * The command line that starts Jupyter bound to 127.0.0.1 with a token, rooted at
 * `root`, with cdlab as the default kernel (and `--allow-root` only for root).
 *
 * @returns `{ cmd, args, token, env }` for `spawn`
 */
export function jupyterCommand(options: JupyterOptions = {}) {
  const { app = "lab", port = 8888, token = newToken(), root = path.join(ROOT, "notebooks"), browser = false, noDelay = true } = options;
  const args = [
    app,
    "--ip=127.0.0.1",
    `--port=${port}`,
    `--ServerApp.root_dir=${root}`,
    `--IdentityProvider.token=${token}`,
    "--MultiKernelManager.default_kernel_name=cdlab",
    "--ServerApp.port_retries=50",
  ];
  // traitlets' command-line syntax for a Dict entry is key=value (JSON is not accepted).
  if (noDelay) args.push("--ServerApp.jpserver_extensions=cdlab_jupyter=True");
  if (!browser) args.push("--no-browser");
  if (process.getuid?.() === 0) args.push("--allow-root");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, ".venv", "share", "jupyter"),
    PYTHONUNBUFFERED: "1",
  };
  if (noDelay) env.PYTHONPATH = [path.join(ROOT, "kernel", "python"), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  return { cmd: jupyterBin(), args, token, env };
}
