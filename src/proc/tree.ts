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
 */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const byParent = new Map<number, number[]>();
  for (const d of entries) {
    const s = procStat(d);
    if (!s || s.state === "Z") continue;
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

/**
 * SIGKILL a process, its process group (when it leads one) and all its descendants. The tree is read
 * before killing: a child that left the group with setsid is still a descendant until its parent dies.
 *
 * @param pid the root process (spawned with `detached: true`, so it leads a group)
 */
export function killTree(pid: number): void {
  const all = [pid, ...descendants(pid)];
  for (const target of [-pid, ...all]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
