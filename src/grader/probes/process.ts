/**
 * Probe `processInfo()`: what /proc says, from outside the sandbox, about a
 * process the cell names by its pid (looked up only in the kernel's tree, see
 * `findProcess`). Result: `{ exists: false }`, or `{ exists: true, pid, ppid,
 * chain, name, state, ignored, fds }` with pids as the kernel sees them:
 * `chain` is `[pid, parent, …]` up to the namespace's root, `ignored` the
 * signals it ignores (SigIgn), `fds` its descriptors counted by kind
 * (`{ pipe: 1, file: 2 }`, as `describeFds` classifies them; absent when /proc
 * refuses). An exit status is not readable from outside: only the parent
 * collects it.
 */
import { processAttributes } from "../../proc/attributes";
import { describeFds } from "../../proc/fds";
import { ancestryOf, findProcess, type ProbeKind } from "../probe";

/** Read /proc of a process the cell names. */
export interface ProcessProbeSpec {
  kind: "process";
}

/** What the probe read. */
export type ProcessProbeResult =
  | { exists: false }
  | { exists: true; pid: number; ppid: number; chain: number[]; name: string; state: string; ignored: string[]; fds?: Record<string, number> };

/**
 * Read what can honestly be measured of a process from outside.
 *
 * @param pid the pid as the kernel sees it
 * @param kernelPid the kernel's pid here
 * @returns the result, `{ exists: false }` when it is not (or no longer) in the kernel's tree
 */
export function readProcess(pid: number, kernelPid?: number): ProcessProbeResult {
  const found = findProcess(pid, kernelPid);
  if (!found) return { exists: false };
  try {
    const a = processAttributes(found.host);
    const chain = ancestryOf(found);
    let fds: Record<string, number> | undefined;
    try {
      fds = {};
      for (const { kind } of describeFds(found.host)) fds[kind] = (fds[kind] ?? 0) + 1;
    } catch {
      fds = undefined;
    }
    return { exists: true, pid, ppid: chain[1] ?? 0, chain, name: a.name, state: a.state, ignored: a.signals.ignored, ...(fds ? { fds } : {}) };
  } catch {
    return { exists: false }; // gone while being read
  }
}

export const probe: ProbeKind<ProcessProbeSpec> = {
  kind: "process",
  declaration: "processInfo",
  build: () => ({ kind: "process" }),
  async run(_spec, { pid }, { report, kernelPid }) {
    if (pid === undefined) return undefined;
    report(readProcess(pid, kernelPid));
    return {};
  },
};
