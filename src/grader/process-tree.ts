/**
 * Killing a kernel and everything it started: its process group, plus every
 * descendant found in /proc (a child that left the group with setsid is still
 * a descendant until its parent dies, so the tree is read before killing).
 */
import fs from "node:fs";

function parentOf(pid: string): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * Every descendant of `pid` (children, grandchildren…), read from /proc.
 *
 * @param pid the root process
 * @returns their PIDs (empty where /proc is missing)
 */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const d of entries) {
    const pp = parentOf(d);
    if (pp === undefined) continue;
    const list = children.get(pp) ?? [];
    list.push(Number(d));
    children.set(pp, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * SIGKILL a process, its process group (when it leads one) and all its descendants.
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
