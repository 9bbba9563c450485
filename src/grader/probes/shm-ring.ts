/**
 * Probe `shmRing({ prefix, produce? | consume?, ms? })`: a producer or a
 * consumer of the grader's on exercise 07's bounded buffer — segment
 * `<prefix>-buf` (Int32: `IN`, `OUT`, then the slots) and semaphores
 * `<prefix>-empty`, `-full`, `-mutex` — run from outside the kernel (in its
 * mount namespace, as its uid). A producer puts `produce` random items
 * (1 … 999999) the student's code has never seen; a consumer takes `consume`
 * items. `{pid}` in `prefix` becomes the cell's pid. The cell asks once the
 * ring exists (`await probe("produtor", { pid: process.pid })`); the answer
 * comes when the probe has opened it. Result, sent again at each item:
 * `{ items: [...], error? }`.
 */
import type { ProbeKind } from "../probe";
import { runJob, withPid } from "./ipc/job";

/** Produce or consume on a ring the cell names by the kernel's pid. */
export interface ShmRingProbeSpec {
  kind: "shm-ring";
  /** The names' prefix ("/…"); `{pid}` is replaced with the cell's pid. */
  prefix: string;
  /** Put this many random items. */
  produce?: number;
  /** Take this many items. */
  consume?: number;
  /** Give up after this long. @default 30000 */
  ms?: number;
}

export const probe: ProbeKind<ShmRingProbeSpec> = {
  kind: "shm-ring",
  declaration: "shmRing",
  build(o: Omit<ShmRingProbeSpec, "kind">) {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (typeof o?.prefix !== "string" || !o.prefix.startsWith("/")) throw new Error('shmRing: prefix must be a POSIX name ("/…")');
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (!(o.produce ?? 0) === !(o.consume ?? 0)) throw new Error("shmRing: give either produce or consume (a positive count)");
    return { kind: "shm-ring", ...o };
  },
  run: (spec, { pid }, context) =>
    runJob(pid, context, (pid) => ({ op: "ring", prefix: withPid(spec.prefix, pid), produce: spec.produce, consume: spec.consume, ms: spec.ms ?? 30_000 })),
};
