/**
 * Killing a kernel and everything it started: its process group, plus every
 * descendant found in /proc (a child that left the group with setsid is still
 * a descendant until its parent dies, so the tree is read before killing).
 */
import { descendants } from "../proc/tree";

export { descendants };

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
