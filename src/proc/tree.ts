/**
 * Reading the process table from /proc: one parser of /proc/PID/stat for the
 * whole project (kernel cleanup, the grader, demos, tests).
 *
 * @example
 * ```ts
 * descendants(process.pid); // PIDs of every live child, grandchild…
 * ```
 */
import fs from "node:fs";

/** The /proc/PID/stat fields cdlab uses. */
export interface ProcStat {
  /** Command name (may contain spaces and parentheses). */
  comm: string;
  /** State letter: R running, S sleeping, Z zombie… */
  state: string;
  ppid: number;
  /** Process group. */
  pgid: number;
  /** Foreground process group of its terminal (-1 without one). */
  tpgid: number;
}

/**
 * Parse /proc/PID/stat.
 *
 * @returns the fields, or undefined when the process does not exist
 */
export function procStat(pid: number | string): ProcStat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = s.lastIndexOf(")");
  const f = s.slice(close + 2).split(" ");
  return { comm: s.slice(s.indexOf("(") + 1, close), state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), tpgid: Number(f[5]) };
}

/** Is `pid` a live process (not gone, not a zombie)? */
export function isAlive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== "Z";
}

/**
 * Every live descendant of `pid` (children, grandchildren…), parents before
 * their children; empty where /proc is missing.
 *
 * @param options.zombies count zombies too (exited, not yet reaped) @default false
 */
export function descendants(pid: number, options: { zombies?: boolean } = {}): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const byParent = new Map<number, number[]>();
  for (const d of entries) {
    const s = procStat(d);
    if (!s || (s.state === "Z" && !options.zombies)) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push(Number(d));
    byParent.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of byParent.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Options of {@link killTree}. */
export interface KillTreeOptions {
  /** Signal `pid` itself too (false: only its descendants, e.g. a kernel cleaning up after itself). @default true */
  root?: boolean;
  /** Send SIGTERM first and wait up to this many ms for the processes to exit before SIGKILL (0: SIGKILL at once). @default 0 */
  graceMs?: number;
}

function kill(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    /* already gone */
  }
}

/** Signal each PID, and the whole group of each one that leads a process group (so members re-parented elsewhere go too). */
function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    if (p !== process.pid && procStat(p)?.pgid === p) kill(-p, sig);
    kill(p, sig);
  }
}

/**
 * The one process-tree killer (the kernel's cleanup, the grader, the tests): signal a process, the
 * process group of every member that leads one, and all its descendants. The tree is read before
 * signalling: a child that left the group with setsid is still a descendant until its parent dies.
 * Synchronous, so it also works in a `process.on("exit")` handler.
 *
 * @param pid the root process (e.g. spawned with `detached: true`, so it leads a group)
 * @param options `root: false` spares `pid` itself; `graceMs` sends SIGTERM and waits before SIGKILL
 * @returns how many processes were found to signal
 * @example
 * ```ts
 * declare const kernelPid: number; // a kernel spawned with detached: true
 * killTree(kernelPid);                                        // SIGKILL the kernel and everything under it
 * killTree(process.pid, { root: false, graceMs: 300 });       // SIGTERM my descendants, SIGKILL the rest after 0.3 s
 * ```
 */
export function killTree(pid: number, options: KillTreeOptions = {}): number {
  const { root = true, graceMs = 0 } = options;
  const pids = [...(root ? [pid] : []), ...descendants(pid)];
  if (graceMs > 0) {
    signalAll(pids, "SIGTERM");
    const until = Date.now() + graceMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until && pids.some((p) => isAlive(p))) Atomics.wait(nap, 0, 0, 10);
  }
  const left = [...pids, ...descendants(pid)].filter((p, i, all) => all.indexOf(p) === i && isAlive(p));
  // The root's group even when the root is gone: its members may have outlived it.
  if (root && pid !== process.pid) kill(-pid, "SIGKILL");
  signalAll(left, "SIGKILL");
  return pids.length;
}

const EXIT_HOOK = Symbol.for("cdlab.killDescendantsOnExit");

/**
 * When this process exits, its descendants go with it: one `process.on("exit")` handler per process
 * (shared by every copy of this module), which calls {@link killTree} on this process's descendants.
 *
 * @param graceMs SIGTERM, wait up to this long, then SIGKILL (the first call's value is kept) @default 100
 * @example
 * ```ts
 * killDescendantsOnExit(); // idempotent
 * ```
 */
export function killDescendantsOnExit(graceMs = 100): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[EXIT_HOOK]) return;
  g[EXIT_HOOK] = true;
  process.on("exit", () => killTree(process.pid, { root: false, graceMs }));
}
