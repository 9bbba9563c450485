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

/** Every process in /proc with its stat fields (one that vanishes while being read is left out); empty where /proc is missing. */
function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return table;
  }
  for (const d of entries) {
    const s = procStat(d);
    if (s) table.set(Number(d), s);
  }
  return table;
}

/**
 * The members of process group `pgid`: every process whose /proc/PID/stat says so (its leader too while it exists).
 *
 * @param pgid the process group id (the pid of the process that created the group)
 * @param options.zombies count zombies too (exited, not yet reaped: they still hold the group id) @default false
 * @returns their pids, in /proc order; empty when the group has no member or /proc is missing
 * @example
 * ```ts
 * groupMembers(process.pid); // this process and the children that stayed in its group, when it leads one
 * ```
 */
export function groupMembers(pgid: number, options: { zombies?: boolean } = {}): number[] {
  const out: number[] = [];
  for (const [p, s] of processTable()) if (s.pgid === pgid && (options.zombies || s.state !== "Z")) out.push(p);
  return out;
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
  const byParent = new Map<number, number[]>();
  for (const [p, s] of processTable()) {
    if (s.state === "Z" && !options.zombies) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push(p);
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

/**
 * SIGKILL what is left of the process group that `leader` led, after the leader itself exited and was reaped (a
 * kernel killed by SIGKILL or the OOM killer, whose exit hook never ran, leaves its children in its group). The
 * group is signalled only when process `leader` no longer exists and some live process still has group id
 * `leader`: Linux hands out a pid to no new process while any process still has it as its process group (or session)
 * id, so such a group is still the one the old leader created, never a group of a process that reused the pid. When
 * no member is left nothing is sent. Only for a leader that was spawned with `detached: true` (it created group
 * `leader`) and is known to have exited (e.g. `isRunning(child)` is false); a live leader is {@link killTree}'s job.
 *
 * @param leader the pid of the exited group leader, which is also the group's id
 * @returns how many live members were found and signalled (0: no signal sent)
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { killLeftoverGroup } from "./tree";
 * const kernel = spawn("node", ["kernel.js"], { detached: true }); // leads its own group
 * kernel.once("exit", () => killLeftoverGroup(kernel.pid!));      // its orphans, if it died without cleaning up
 * ```
 */
export function killLeftoverGroup(leader: number): number {
  if (leader <= 1 || leader === process.pid) return 0;
  if (procStat(leader)) return 0; // the leader (or its zombie) still exists: it is not a leftover group
  const members = groupMembers(leader);
  // Checked again after the scan: while the members found held the group id, the pid could not be handed out again.
  // (Left open: every member exiting, and a new process taking the pid and leading a new group, between here and
  // the signal, within microseconds.)
  if (!members.length || procStat(leader)) return 0;
  kill(-leader, "SIGKILL");
  return members.length;
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
