/**
 * Probe `children({ forMs?, env? })`: watches, from outside, the children the
 * process the cell names (usually the kernel: `{ pid: process.pid }`) starts
 * during the next `forMs` ms, polling /proc every few ms. The cell gets its
 * answer at once and goes on; the result, sent again at each change, is one
 * entry per child seen: `{ pid, cmdline, cwd, env, exited }` — `cmdline`,
 * `cwd` and the `env` variables asked for as last read while it ran (after
 * its exec; `env` as the child received it, not as it changed it later), `exited` whether it ended within the watch. Children that live
 * less than a poll may be missed: use it for children that run a program.
 */
import fs from "node:fs";
import { findProcess, nsPids, type ProbeKind } from "../probe";

/** Watch a process's new children. */
export interface ChildrenProbeSpec {
  kind: "children";
  /** How long to watch. @default 5000 */
  forMs?: number;
  /** Environment variables to read from each child. @default [] */
  env?: string[];
}

/** One child seen. */
export interface ChildSeen {
  pid: number;
  cmdline: string[];
  cwd: string | null;
  env: Record<string, string | null>;
  exited: boolean;
}

const POLL_MS = 3;

/** The children of a process (every thread's), as pids here. */
function childrenOf(host: number): number[] {
  const out: number[] = [];
  try {
    for (const t of fs.readdirSync(`/proc/${host}/task`)) {
      for (const c of fs.readFileSync(`/proc/${host}/task/${t}/children`, "utf8").trim().split(/\s+/)) if (c) out.push(Number(c));
    }
  } catch {
    /* gone */
  }
  return out;
}

/** The pid as the kernel sees it, cmdline, cwd and the asked variables; undefined when /proc refuses or it is gone. */
function look(host: number, depth: number, keys: string[]): Omit<ChildSeen, "exited"> | undefined {
  try {
    const ns = nsPids(host);
    if (!ns) return undefined;
    const cmdline = fs.readFileSync(`/proc/${host}/cmdline`, "utf8").split("\0").filter(Boolean);
    const environ = fs.readFileSync(`/proc/${host}/environ`, "utf8").split("\0");
    if (!cmdline.length) return undefined; // exiting: its memory is gone, keep what was read before
    const env: Record<string, string | null> = {};
    for (const k of keys) env[k] = environ.find((kv) => kv.startsWith(`${k}=`))?.slice(k.length + 1) ?? null;
    let cwd: string | null = null;
    try {
      cwd = fs.readlinkSync(`/proc/${host}/cwd`);
    } catch {
      /* refused */
    }
    return { pid: ns[depth - 1] ?? ns[ns.length - 1], cmdline, cwd, env };
  } catch {
    return undefined;
  }
}

export const probe: ProbeKind<ChildrenProbeSpec> = {
  kind: "children",
  declaration: "children",
  build: (o: Omit<ChildrenProbeSpec, "kind"> = {}) => {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (o.env !== undefined && (!Array.isArray(o.env) || !o.env.every((k) => typeof k === "string"))) throw new TypeError("children(): env must be an array of strings");
    return { kind: "children", ...o };
  },
  async run(spec, { pid }, { report, kernelPid }) {
    if (pid === undefined) return undefined;
    const parent = findProcess(pid, kernelPid);
    if (!parent) return undefined;
    const before = new Set(childrenOf(parent.host));
    const seen = new Map<number, ChildSeen>();
    const until = Date.now() + (spec.forMs ?? 5000);
    report([]);
    const poll = () => {
      let changed = false;
      const now = new Set(childrenOf(parent.host));
      for (const host of now) {
        if (before.has(host)) continue;
        const l = look(host, parent.depth, spec.env ?? []);
        if (!l) continue;
        const old = seen.get(host);
        const fresh = { ...l, cwd: l.cwd ?? old?.cwd ?? null, exited: false }; // an exiting process loses its cwd first
        if (!old || JSON.stringify(old) !== JSON.stringify(fresh)) (seen.set(host, fresh), (changed = true));
      }
      for (const [host, c] of seen) if (!c.exited && !now.has(host)) (c.exited = true), (changed = true);
      if (changed) report([...seen.values()]);
      if (Date.now() < until) setTimeout(poll, POLL_MS);
    };
    poll();
    return {};
  },
};
