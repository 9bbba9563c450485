/**
 * Probe `shmState({ segment?, semaphores?, ints? })`: reads, from outside the
 * kernel (in its mount namespace, as its uid), a POSIX shared memory
 * segment's size and first Int32 values and named semaphores' values, as they
 * are when the cell asks (`await probe("estado", { pid: process.pid })`).
 * `{pid}` in the names becomes the cell's pid (the kernel's or one of its
 * processes). Result: `{ segment: { size, ints } | { error }, semaphores: { name: value | { error } } }`
 * (`error`: the code, e.g. `"ENOENT"`; a bad name gives `"ERR_INVALID_ARG"`).
 */
import type { ProbeKind } from "../probe";
import { runJob, withPid } from "./ipc/job";

/** Read a segment and semaphores the cell names by the kernel's pid. */
export interface ShmStateProbeSpec {
  kind: "shm-state";
  /** The segment's POSIX name ("/…"); `{pid}` is replaced with the cell's pid. */
  segment?: string;
  /** Semaphores' POSIX names, likewise. @default [] */
  semaphores?: string[];
  /** How many Int32 values of the segment to read, at most. @default 64 */
  ints?: number;
}

export const probe: ProbeKind<ShmStateProbeSpec> = {
  kind: "shm-state",
  declaration: "shmState",
  build(o: Omit<ShmStateProbeSpec, "kind">) {
    const names = [...(o?.segment === undefined ? [] : [o.segment]), ...(o?.semaphores ?? [])];
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (!names.length || names.some((n) => typeof n !== "string" || !n.startsWith("/"))) throw new Error('shmState: segment and semaphores are POSIX names ("/…")');
    return { kind: "shm-state", ...o };
  },
  run: (spec, { pid }, context) =>
    runJob(pid, context, (pid) => ({
      op: "state",
      segment: spec.segment && withPid(spec.segment, pid),
      semaphores: (spec.semaphores ?? []).map((n) => withPid(n, pid)),
      maxInts: spec.ints ?? 64,
    })),
};
