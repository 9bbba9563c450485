/**
 * Force pid reuse (root only): start `sleep` decoys, each leading its own process group as a kernel does, with
 * `/proc/sys/kernel/ns_last_pid` set so the next pid is `pid`, until one gets it (at most 20 tries). Tests use it to
 * check that code holding a dead child's pid does not signal whatever process has that pid now.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";

/** A decoy that now holds `pid` and how it ended, or undefined when another process took the pid each time. */
export interface PidDecoy {
  decoy: ChildProcess;
  /** The signal the decoy ended with (`SIGTERM` once the test ends it itself). */
  died: Promise<NodeJS.Signals | null>;
}

/**
 * @param pid the pid to take (its process exited and was reaped)
 * @param started every decoy spawned is pushed here, for the test to kill afterwards
 * @returns the decoy with `pid`, or undefined
 */
export function takePid(pid: number, started: ChildProcess[]): PidDecoy | undefined {
  let decoy: ChildProcess | undefined;
  for (let i = 0; i < 20 && decoy?.pid !== pid; i++) {
    decoy?.kill("SIGKILL");
    fs.writeFileSync("/proc/sys/kernel/ns_last_pid", String(pid - 1));
    decoy = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
    started.push(decoy);
  }
  if (!decoy || decoy.pid !== pid) return undefined;
  const d = decoy;
  return { decoy: d, died: new Promise((r) => d.once("exit", (_c, sig) => r(sig))) };
}
