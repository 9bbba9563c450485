/**
 * Who owns a listening port: the process behind each socket of {@link listeningPorts} (found through
 * the `socket:[inode]` links in `/proc/<pid>/fd`, for the processes this user may look into), and the
 * ports of the Jupyter kernel this code runs in (its connection file names shell, iopub, stdin,
 * control and heartbeat).
 *
 * @example
 * ```ts
 * import { listeningPorts, socketOwners, jupyterKernelPorts } from "cdlab/lectures/02-redes";
 * const owners = await socketOwners();
 * const roles = await jupyterKernelPorts(); // empty outside a kernel
 * for (const p of await listeningPorts()) console.log(p.port, owners.get(p.inode)?.command, roles.get(p.port));
 * ```
 */
import fs from "node:fs/promises";

/** A process that holds a socket. */
export interface SocketOwner {
  pid: number;
  /** The program's name and first arguments, shortened. */
  command: string;
}

/**
 * Map socket inodes to the process holding them, by reading every `/proc/<pid>/fd` this user may
 * read (other users' processes are skipped silently).
 *
 * @returns inode → owner (the first process found, when several share the socket)
 * @example
 * ```ts
 * const owners = await socketOwners();
 * ```
 */
export async function socketOwners(): Promise<Map<number, SocketOwner>> {
  const owners = new Map<number, SocketOwner>();
  const pids = (await fs.readdir("/proc").catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    let command: string | undefined;
    for (const fd of fds) {
      const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m || owners.has(Number(m[1]))) continue;
      command ??= await commandLine(Number(pid));
      owners.set(Number(m[1]), { pid: Number(pid), command });
    }
  }
  return owners;
}

async function commandLine(pid: number): Promise<string> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = raw.split("\0").filter(Boolean).map((a) => a.replace(/^.*\/(?=[^/]+$)/, "")); // base names
  const text = args.slice(0, 4).join(" ");
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}

/** The five channels of a Jupyter kernel, as its connection file names them. */
export const JUPYTER_CHANNELS = ["shell", "iopub", "stdin", "control", "hb"] as const;

/**
 * The ports of the Jupyter kernel running this code: its connection file (the argument after
 * `--connection-file` or `-f` on the kernel's command line) gives one port per channel.
 *
 * @param argv the kernel's command line @default process.argv
 * @returns port → channel ("shell", "iopub", "stdin", "control", "hb"); empty when not in a kernel
 * @example
 * ```ts
 * (await jupyterKernelPorts()).forEach((channel, port) => console.log(port, channel));
 * ```
 */
export async function jupyterKernelPorts(argv: readonly string[] = process.argv): Promise<Map<number, string>> {
  const i = argv.findIndex((a) => a === "--connection-file" || a === "-f");
  const file = i >= 0 ? argv[i + 1] : undefined;
  const ports = new Map<number, string>();
  if (!file) return ports;
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(await fs.readFile(file, "utf8"));
  } catch {
    return ports;
  }
  for (const ch of JUPYTER_CHANNELS) {
    const port = info[`${ch}_port`];
    if (typeof port === "number") ports.set(port, ch);
  }
  return ports;
}
