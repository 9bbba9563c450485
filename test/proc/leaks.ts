/**
 * Leak checks for the process/pipe/FIFO tests: the descendants a test started
 * are gone, and no fd of this process still points to the pipes it made.
 */
import fs from "node:fs";
import { descendants } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";
import { resources, type ResourceInfo, type ResourceKind } from "../../src/runtime/registry";

/** Snapshot the current descendants; `check()` waits until every new one has gone. */
export function descendantWatch(): { check(): Promise<void> } {
  const before = new Set(descendants(process.pid));
  return {
    async check() {
      await pollUntil(() => descendants(process.pid).filter((p) => !before.has(p)).length === 0, {
        timeoutMs: 5000,
        what: "the test's child processes to exit",
      });
    },
  };
}

/** The fds of this process that point to `target` (`pipe:[123]` or a path). */
export function fdsPointingTo(target: string): string[] {
  return fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, "") === target;
    } catch {
      return false;
    }
  });
}

/** Snapshot the registry; `check()` asserts that no resource of `kinds` registered since is still there. */
export function registryWatch(kinds: ResourceKind[]): { check(): ResourceInfo[] } {
  const before = new Set(resources().map((r) => r.id));
  return { check: () => resources().filter((r) => kinds.includes(r.kind) && !before.has(r.id)) };
}
