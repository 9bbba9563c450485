/**
 * No process outlives the kernel: find every descendant through /proc (by
 * parent PID) and signal it — children a student started with
 * node:child_process, with `detached: true` (own session, still our child),
 * or under node-pty. Also: child processes started directly through
 * node:child_process are registered in the resource registry.
 */
import { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { descendants, isAlive, procStat } from "../src/proc/tree";
import { track, untrack } from "../src/runtime/registry";

/** Every live descendant of `pid`, parents before children. */
export { descendants };

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    const s = procStat(p);
    try {
      // A group leader (detached child, pty shell): signal its whole group, so
      // members already re-parented elsewhere go too.
      if (s && s.pgid === p && p !== process.pid) process.kill(-p, sig);
    } catch {
      /* gone */
    }
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  }
}

/**
 * SIGTERM every descendant, wait up to `graceMs`, then SIGKILL those left.
 *
 * @returns how many processes were signalled
 */
export async function killDescendants(graceMs = 300): Promise<number> {
  const pids = descendants(process.pid);
  if (!pids.length) return 0;
  signal(pids, "SIGTERM");
  const until = Date.now() + graceMs;
  while (Date.now() < until && pids.some((p) => isAlive(p))) await new Promise((r) => setTimeout(r, 20));
  signal([...pids, ...descendants(process.pid)].filter((p) => isAlive(p)), "SIGKILL");
  return pids.length;
}

/** Synchronous version for `process.on("exit")`: SIGTERM, a short wait, SIGKILL. */
export function killDescendantsSync(graceMs = 100, root = process.pid): void {
  const pids = descendants(root);
  if (!pids.length) return;
  signal(pids, "SIGTERM");
  const until = Date.now() + graceMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until && pids.some((p) => isAlive(p))) Atomics.wait(nap, 0, 0, 10);
  signal(pids.filter((p) => isAlive(p)), "SIGKILL");
}

/**
 * Register every child process started through node:child_process (spawn,
 * exec, fork…) as a "child-process" resource: SIGINT when its cell is
 * interrupted, killed at shutdown. Idempotent.
 */
export function trackChildProcesses(): void {
  const proto = ChildProcess.prototype as ChildProcess & { __cdlabTracked?: boolean; spawn(o: unknown): unknown };
  if (proto.__cdlabTracked) return;
  proto.__cdlabTracked = true;
  const orig = proto.spawn;
  proto.spawn = function (this: ChildProcess, options: { file?: string }) {
    const ret = orig.call(this, options);
    const child = this;
    if (child.pid === undefined) return ret;
    const handle = {
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 500);
        await exited;
        clearTimeout(t);
      },
    };
    track(handle, {
      kind: "child-process",
      label: `pid ${child.pid} ${options?.file ?? ""}`.trim(),
      interrupt: () => child.kill("SIGINT"),
    });
    child.once("exit", () => untrack(handle));
    return ret;
  };
}
