/**
 * What a client needs to launch a kernel: a connection file (free ports and a
 * signing key), the cdlab kernel's command line and a minimal environment.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { PACKAGE_ROOT } from "../runtime/root";
import { nodeCommand } from "./kernel-snapshot";

/** The connection file Jupyter writes for a kernel. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  signature_scheme?: string;
  kernel_name?: string;
}

/**
 * The endpoint of one of the kernel's ports, e.g. `tcp://127.0.0.1:5555`; with
 * transport `ipc`, a unix socket `ipc://<ip>-<port>` as jupyter_client names it.
 */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `${info.transport}://${info.ip}:${port}`;
}

/**
 * How to run a kernel somewhere else (a sandbox): the client writes the
 * connection file into the command's file descriptor 3 (never to disk) and
 * talks to the kernel over unix sockets in `socketDir`, a folder with the same
 * path inside and outside.
 */
export interface KernelLauncher {
  /** Folder of the kernel's ipc sockets, same path for both sides. */
  readonly socketDir: string;
  /** Where the kernel reads its connection file (its own view). */
  readonly connectionPath: string;
  /** The full command line that runs the kernel's `argv`, reading the connection file from fd 3. */
  command(argv: string[]): string[];
  /** Remove what the launcher made (the socket folder). Idempotent. */
  dispose(): void;
  /**
   * A kernel this launcher started ahead of time (a warm spare, `main.js --spare`) and has just claimed, with the
   * connection it was given on fd 3; the client then connects to it instead of running {@link command}. Undefined
   * (or no method): the client starts the kernel itself.
   */
  claim?(): { child: ChildProcess; connection: ConnectionInfo } | undefined;
}

/**
 * The cdlab kernel's command line as `src/cli/kernelspec.ts` writes it, in
 * node form: `[node, ...node flags, …/dist/kernel/main.js, ...args]` (the
 * kernelspec's shell wrapper, which starts it from the snapshot, left out; the
 * grader's sandbox and KernelClient put their own things around this form).
 */
export function cdlabKernelArgv(): string[] {
  const spec = path.join(PACKAGE_ROOT, ".venv", "share", "jupyter", "kernels", "cdlab", "kernel.json");
  try {
    const argv = JSON.parse(fs.readFileSync(spec, "utf8")).argv as string[];
    if (Array.isArray(argv) && argv.length > 1) return nodeCommand(argv);
  } catch {
    /* fall through */
  }
  return [process.execPath, path.join(PACKAGE_ROOT, "dist", "kernel", "main.js"), "--connection-file", "{connection_file}"];
}

/** The environment a graded kernel gets: PATH, locale and time zone, nothing else. */
export function minimalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"]) if (process.env[k] !== undefined) env[k] = process.env[k];
  return env;
}

/** `n` TCP ports free on 127.0.0.1 now (bound to port 0, read, released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((res, rej) => s.once("error", rej).listen(0, "127.0.0.1", () => res()));
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * A new connection for a cdlab kernel and a random HMAC-SHA256 key: five free
 * TCP ports on 127.0.0.1, or, given `socketDir`, five unix sockets in it.
 */
export async function newConnection(socketDir?: string): Promise<ConnectionInfo> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = socketDir ? [1, 2, 3, 4, 5] : await freePorts(5);
  return {
    shell_port, iopub_port, stdin_port, control_port, hb_port,
    ip: socketDir ? path.join(socketDir, "k") : "127.0.0.1", transport: socketDir ? "ipc" : "tcp",
    key: randomBytes(32).toString("hex"), signature_scheme: "hmac-sha256", kernel_name: "cdlab",
  };
}
