/**
 * Probe `dirWatch({ dir, ms? })`: watches a folder of the kernel's (`dir`,
 * absolute; `{pid}` in it becomes the pid the cell names, which must be the
 * kernel's or one of its processes) from outside the kernel, in its mount
 * namespace, as its uid: what appears there (FIFOs in /tmp, segments and
 * semaphores in /dev/shm), with its type when first seen (`"fifo"`, `"file"`,
 * …), and what is left. The cell asks before the work it checks
 * (`await probe("fifos", { pid: process.pid })`); the watch is up when the
 * answer comes. Result, sent again at each change:
 * `{ entries: [{ name, type }], left: [names] | null }` (`null`: no folder).
 * With `ms: 0` it is one look, when the cell asks: a snapshot.
 */
import path from "node:path";
import type { ProbeKind } from "../probe";
import { runJob, withPid } from "./ipc/job";

/** Watch a folder the cell names by the kernel's pid. */
export interface DirWatchProbeSpec {
  kind: "dir-watch";
  /** Absolute path; `{pid}` is replaced with the cell's pid. */
  dir: string;
  /** How long to watch (0: one look). @default 60000 */
  ms?: number;
}

export const probe: ProbeKind<DirWatchProbeSpec> = {
  kind: "dir-watch",
  declaration: "dirWatch",
  build(o: Omit<DirWatchProbeSpec, "kind">) {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (typeof o?.dir !== "string" || !path.isAbsolute(o.dir)) throw new Error("dirWatch: dir must be an absolute path");
    return { kind: "dir-watch", ...o };
  },
  run: (spec, { pid }, context) => runJob(pid, context, (pid) => ({ op: "watch", dir: path.resolve(withPid(spec.dir, pid)), ms: spec.ms ?? 60_000 })),
};
