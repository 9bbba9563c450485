/**
 * No process outlives the kernel, and every child a cell starts is a resource.
 *
 * - Killing: src/proc/tree.ts's `killTree` is the one process-tree killer (descendants found through /proc
 *   by parent PID, so children started with `detached: true` or under node-pty go too) and its
 *   `killDescendantsOnExit` the one exit path: {@link installChildCleanup} installs it.
 * - Registering: `startChild` handles register themselves; every other child process started through
 *   node:child_process (a student's own `spawn`, `exec`, `fork`…) is registered here, once.
 */
import { ChildProcess } from "node:child_process";
import { isRunning, OWNED_BY_HANDLE } from "../src/proc/child";
import { killDescendantsOnExit } from "../src/proc/tree";
import { makeHandle } from "../src/runtime/handle";

/** How long the kernel's children get between SIGTERM and SIGKILL when the kernel exits. */
export const EXIT_GRACE_MS = 300;

type Patched = ChildProcess & { __cdlabTracked?: boolean; spawn(o: unknown): unknown };

/**
 * Register every child process started through node:child_process (spawn, exec, fork…) that no
 * `startChild` handle owns as a "child-process" resource (SIGINT when its cell is interrupted, SIGTERM
 * then SIGKILL at shutdown), and kill every descendant when the kernel exits. Idempotent.
 */
export function installChildCleanup(): void {
  killDescendantsOnExit(EXIT_GRACE_MS);
  const proto = ChildProcess.prototype as Patched;
  if (proto.__cdlabTracked) return;
  proto.__cdlabTracked = true;
  const orig = proto.spawn;
  proto.spawn = function (this: ChildProcess, options: { file?: string }) {
    const ret = orig.call(this, options);
    const child = this as ChildProcess & { [OWNED_BY_HANDLE]?: true };
    if (child.pid === undefined) return ret;
    // startChild marks its child right after spawn() returns: look once that synchronous code has run.
    queueMicrotask(() => {
      if (child[OWNED_BY_HANDLE] || !isRunning(child)) return;
      makeHandle(
        {},
        {
          kind: "child-process",
          label: `pid ${child.pid} ${options?.file ?? ""}`.trim(),
          interrupt: () => child.kill("SIGINT"),
          ended: new Promise((r) => child.once("exit", r)),
          release: async () => {
            if (!isRunning(child)) return;
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            const t = setTimeout(() => child.kill("SIGKILL"), 500);
            await exited;
            clearTimeout(t);
          },
        },
      );
    });
    return ret;
  };
}
