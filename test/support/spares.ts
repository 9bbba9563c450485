/**
 * What the warm-spare tests (test/kernel/spare*.test.ts) look for in /proc: spare kernels of a launcher, and any
 * process left running in a test's folder.
 */
import fs from "node:fs";
import { isAlive, procStat } from "../../src/proc/tree";
import { childrenOf } from "./procs";

/** Live children of `ppid` whose command line has `--spare` (a waiting spare, or the kernel that claimed it). */
export function spareChildren(ppid: number): number[] {
  return childrenOf(ppid).filter((pid) => {
    try {
      return isAlive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("--spare");
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Processes (not zombies) whose working directory is `root` or under it. */
export function processesUnder(root: string): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${e}/cwd`);
      const state = procStat(e)?.state;
      if ((cwd === root || cwd.startsWith(root + "/")) && state !== undefined && state !== "Z") found.push(Number(e));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
