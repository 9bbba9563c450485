/**
 * How cdlab starts a Jupyter server or JupyterLab: one place for the flags, used
 * by `cdlab lab`, the test harness and the benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { isRunning } from "../proc/child";
import { CdlabError, systemError } from "../runtime/errors";
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
  /**
   * Have the server extension start a warm spare kernel a few seconds after the
   * server is up, for the folder of the user's last cdlab kernel (else `root`),
   * so the session's first kernel starts warm too
   * (`--SparePrestart.enabled=True`, kernel/python/cdlab_jupyter/prestart.py).
   * Costs one kernel process (~190 MiB) and ~1–3 s of CPU per server; only with
   * `noDelay` (the extension). @default true for `lab`, false for `server`
   */
  prestartSpare?: boolean;
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
  const prestartSpare = noDelay && (options.prestartSpare ?? app === "lab");
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
  if (prestartSpare) args.push("--SparePrestart.enabled=True");
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

/** A Jupyter process started by {@link spawnJupyter}. */
export interface RunningJupyter {
  process: ChildProcess;
  /** Base URL, e.g. `http://127.0.0.1:8888/`. */
  url: string;
  token: string;
  /** Everything the server printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, then SIGKILL after `killAfterMs` (default 5000); resolves once it exited. */
  stop(killAfterMs?: number): Promise<void>;
}

/**
 * Start Jupyter with {@link jupyterCommand} and wait until it prints its URL.
 *
 * @param options as for {@link jupyterCommand}, plus `env` (added variables)
 *   and `startTimeoutMs` (@default 60000)
 * @returns the running server
 * @example
 * ```ts
 * const jupyter = await spawnJupyter({ app: "server", port: 0 });
 * console.log(jupyter.url);
 * await jupyter.stop();
 * ```
 */
export async function spawnJupyter(options: JupyterOptions & { env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {}): Promise<RunningJupyter> {
  const { env: extraEnv, startTimeoutMs = 60_000, ...jupyterOptions } = options;
  const { cmd, args, token, env } = jupyterCommand(jupyterOptions);
  const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const onData = (d: Buffer) => void (log += d.toString());
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const stop = async (killAfterMs = 5000) => {
    if (!isRunning(child)) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    await exited;
    clearTimeout(t);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(new CdlabError("ETIMEDOUT", `Jupyter did not start in ${startTimeoutMs / 1000} s:\n${log}`));
    }, startTimeoutMs);
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
      if (m) {
        done();
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new CdlabError("ERR_JUPYTER_EXITED", `Jupyter exited with ${code} before it started:\n${log}`));
    };
    const onError = (e: Error) => {
      done();
      reject(systemError(`Cannot start ${cmd}`, e));
    };
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", onExit);
    child.once("error", onError);
  })
    .then(async (u) => {
      await waitUntilListening(u, { timeoutMs: startTimeoutMs, alive: () => isRunning(child) });
      return u;
    })
    .catch(async (e: unknown) => {
      await stop();
      throw e;
    });
  return { process: child, url, token, log: () => log, stop };
}

/**
 * Wait until `url`'s host and port accept TCP connections. Jupyter prints its
 * URL before it binds its HTTP server (the bind runs in a later turn of its
 * event loop), so a client that connects at once can be refused.
 *
 * @param url e.g. `http://127.0.0.1:8888/lab`
 * @param options.timeoutMs give up after this long @default 30000
 * @param options.alive stop waiting (ERR_JUPYTER_EXITED) once this returns false
 * @throws CdlabError `ETIMEDOUT`, `ERR_JUPYTER_EXITED`
 * @example
 * ```ts
 * await waitUntilListening("http://127.0.0.1:8888/");
 * ```
 */
export async function waitUntilListening(url: string, options: { timeoutMs?: number; alive?: () => boolean } = {}): Promise<void> {
  const { timeoutMs = 30_000, alive = () => true } = options;
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: hostname, port: Number(port) });
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new CdlabError("ERR_JUPYTER_EXITED", `Jupyter exited before it listened on ${hostname}:${port}`);
    if (Date.now() > deadline) throw new CdlabError("ETIMEDOUT", `Jupyter printed ${url} but did not listen there within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
