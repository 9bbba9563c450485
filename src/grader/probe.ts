/**
 * Probes: behaviour measured from a process of the grader's, next to the
 * kernel (in the same sandbox), never inside it. A test cell asks for a probe
 * by name with a target (`await probe("servidor", { port })`); the probe
 * process runs what the source notebook's hidden part declared for that name
 * (`udp({ send: [...] })`), sends the result to the grader on its stdout and
 * only "ok" back to the kernel. So a student's code can pick the target, but
 * not what is sent to it nor what the grader reads back.
 *
 * Each kind of probe is one module in `src/grader/probes/` (add a kind = add a
 * file): it exports `probe`, a {@link ProbeKind} with the builder used in
 * declarations and the `run` of the probe process. {@link probeKinds} loads
 * every module of that folder; there is no list to edit.
 *
 * Where the kernel runs in a sandbox, pass {@link ProbeLauncher.prefix} with
 * the command that enters it (the probe must share the kernel's loopback).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { isRunning } from "../proc/child";
import { entryFile, programArgs } from "../proc/program";
import { descendants, procStat } from "../proc/tree";

/** A probe's declaration, evaluated: its kind (the module's file name) and its options. */
export interface ProbeSpec {
  kind: string;
}

/** What a cell names as a probe's target: a port on 127.0.0.1, a process (a pid as the kernel sees it). */
export interface ProbeTarget {
  port?: number;
  pid?: number;
}

/** What the cell learns besides "it ran": a server probe's port. */
export interface ProbeReply {
  port?: number;
}

/** What the probe process gives a probe's `run`. */
export interface ProbeContext {
  /** Send the result to the grader (servers and watchers send it again at each change). */
  report(result: unknown): void;
  /** The kernel's process as the grader sees it (its tree is where a cell's pid is looked up), when known. */
  kernelPid?: number;
}

/** A kind of probe: what one module of `src/grader/probes/` exports as `probe`. */
export interface ProbeKind<S extends ProbeSpec = ProbeSpec> {
  /** The spec's `kind`: the module's file name without extension (`udp-free`). */
  kind: S["kind"];
  /** The builder's name in `cdlab:probe` declarations (`udpFree`). */
  declaration: string;
  /** Build the spec from the declaration's arguments; throw (plain English) on a bad declaration. */
  build(...args: never[]): S;
  /**
   * Run the probe in the probe process, once, against the cell's target.
   *
   * @returns the cell's answer, or undefined when the target does not fit (the cell gets "not run")
   */
  run(spec: S, target: ProbeTarget, context: ProbeContext): Promise<ProbeReply | undefined>;
}

/** ".ts" from source (under tsx), ".js" from dist. */
const EXTENSION = path.extname(__filename);
let kinds: Map<string, ProbeKind> | undefined;

/**
 * Every kind of probe, by kind: each module of `src/grader/probes/` (this
 * build's extension) that exports `probe`.
 *
 * @returns kind → its module's {@link ProbeKind}
 * @throws Error when a module's kind is not its file name or two declarations share a name
 */
export function probeKinds(): Map<string, ProbeKind> {
  if (kinds) return kinds;
  const dir = path.join(__dirname, "probes");
  const found = new Map<string, ProbeKind>();
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith(EXTENSION) || file.endsWith(".d.ts")) continue;
    const k = (require(path.join(dir, file)) as { probe?: ProbeKind }).probe;
    if (!k) continue;
    const base = file.slice(0, -EXTENSION.length);
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (k.kind !== base) throw new Error(`Probe module ${file}: its kind is "${k.kind}", expected "${base}" (the file's name)`);
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (names.has(k.declaration)) throw new Error(`Probe module ${file}: declaration "${k.declaration}" is already taken`);
    names.add(k.declaration);
    found.set(k.kind, k);
  }
  return (kinds = found);
}

/** How the grader starts the probe process. */
export interface ProbeLauncher {
  /** Command put before `node probe-main.js`, e.g. `["nsenter", "--net=/proc/<kernel pid>/ns/net", "--"]`. @default [] */
  prefix?: string[];
  /** The kernel's pid (as the grader sees it): a cell's `{ pid }` target is looked up in its tree. */
  kernelPid?: number;
}

/** A running probe process. */
export interface ProbeProcess {
  /** Its loopback port for requests from the test cells. */
  port: number;
  /** Results so far, by probe name. */
  results: Map<string, unknown>;
  /** Stop it (idempotent). */
  close(): Promise<void>;
}

/**
 * Spawn a probe process that waits for its plan (a spare kernel's, started before the submission that will use it).
 *
 * @param prefix the command that enters the kernel's network namespace ({@link networkOf})
 * @returns the process, for {@link startProbes}'s `started`
 */
export function spawnProbeProcess(prefix: string[] = []): ChildProcess {
  const argv = [...prefix, process.execPath, ...programArgs(entryFile(__dirname, "probe-main"))];
  return spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
}

/**
 * Start the probe process with the submission's probe plan.
 *
 * @param plan probe specs by name
 * @param launcher how to start it
 * @param results where results go (shared by the probe processes of one submission's kernels)
 * @param started a process from {@link spawnProbeProcess} (in the kernel's network namespace) to give the plan to
 *   instead of starting one
 * @returns the running process
 */
export async function startProbes(plan: Record<string, ProbeSpec>, launcher: ProbeLauncher = {}, results = new Map<string, unknown>(), started?: ChildProcess): Promise<ProbeProcess> {
  const child: ChildProcess = started ?? spawnProbeProcess(launcher.prefix);
  // The last line on stderr says why a probe could not start (e.g. `nsenter: reassociate to namespace 'ns/net' failed`).
  let why = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (why = (why + d).slice(-2000)));
  // A probe that cannot start (e.g. nsenter refused) exits before reading its plan: the "exit" below reports it;
  // the EPIPE of this write must not crash the grader.
  child.stdin!.on("error", () => {});
  child.stdin!.end(JSON.stringify({ plan, kernelPid: launcher.kernelPid }) + "\n");
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const exited = (code: number | null) => {
      const last = why.trim().split("\n").pop();
      // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
      reject(new Error(`the probe process exited (${code}) before listening${last ? `: ${last}` : ""}`));
    };
    if (!isRunning(child)) return exited(child.exitCode); // a started one that died
    child.once("error", reject);
    child.once("exit", exited);
    lines.on("line", (line) => {
      let m: { port?: number; name?: string; result?: unknown };
      try {
        m = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof m.port === "number") resolve(m.port);
      else if (typeof m.name === "string") results.set(m.name, m.result); // servers report again at each datagram
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    results,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (!isRunning(child)) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      })),
  };
}

/** The identity of process `pid`'s namespace `ns` (`net`, `mnt`, `user`…); undefined when /proc refuses or it is gone. */
export function nsOf(pid: number | "self", ns: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

/**
 * `nsenter --target=<pid> <flags> [--user --preserve-credentials] --`: the user namespace is entered too when the
 * process is in another one and we are not root.
 */
export function nsenterArgs(pid: number, flags: string[]): string[] {
  const user = nsOf(pid, "user") !== nsOf("self", "user") && process.getuid?.() !== 0 ? ["--user", "--preserve-credentials"] : [];
  return ["nsenter", `--target=${pid}`, ...flags, ...user, "--"];
}

/**
 * The command that enters a kernel's network namespace, when its sandbox gave
 * it one: `nsenter --target <pid> --net [--user --preserve-credentials] --`
 * for the first process of the kernel's tree in another network namespace.
 * The probe joins the kernel's loopback but not its PID namespace, so student
 * code can neither see nor signal it.
 *
 * @param kernelPid the kernel's (or its sandbox's) pid
 * @returns the prefix, or `[]` when the kernel shares our network
 */
export function networkOf(kernelPid: number): string[] {
  const mine = nsOf("self", "net");
  for (const pid of [kernelPid, ...descendants(kernelPid)]) {
    const net = nsOf(pid, "net");
    if (!net || net === mine) continue;
    return nsenterArgs(pid, ["--net"]);
  }
  return [];
}

/** The pids of a process in each PID namespace it is in, outermost (ours) first; undefined when it is gone. */
export function nsPids(hostPid: number): number[] | undefined {
  try {
    const line = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${hostPid}/status`, "utf8"))?.[1];
    return line ? line.trim().split(/\s+/).map(Number) : [hostPid];
  } catch {
    return undefined;
  }
}

/** A process the cell named, as the probe process finds it. */
export interface FoundProcess {
  /** Its pid here (the grader's view of /proc). */
  host: number;
  /** How many PID namespaces deep it is: its pid as the kernel sees it is `nsPids[depth - 1]`. */
  depth: number;
}

/**
 * Find the process a cell names by its pid (as the kernel sees it, in its
 * sandbox's PID namespace), only in the kernel's tree (zombies included) — so
 * a cell cannot point a probe at the grader's processes.
 *
 * @param pid the cell's pid
 * @param kernelPid the kernel's pid here; without it the pid is taken as is
 * @returns where it is, or undefined when no such process is in the tree
 */
export function findProcess(pid: number, kernelPid?: number): FoundProcess | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (kernelPid === undefined) {
    const ns = nsPids(pid);
    return ns ? { host: pid, depth: ns.length } : undefined;
  }
  for (const host of [kernelPid, ...descendants(kernelPid, { zombies: true })]) {
    const ns = nsPids(host);
    if (ns?.[ns.length - 1] === pid) return { host, depth: ns.length };
  }
  return undefined;
}

/**
 * A process's ancestry as the kernel sees it: `[pid, parent, …]`, up to the
 * first process whose parent is outside the kernel's PID namespace (there the
 * parent reads as 0: PID 1, or a process started from outside).
 *
 * @param p the process, from {@link findProcess}
 * @returns the pids, in the kernel's namespace
 */
export function ancestryOf(p: FoundProcess): number[] {
  const chain: number[] = [];
  for (let host: number | undefined = p.host; host !== undefined && host > 0; host = procStat(host)?.ppid) {
    const ns = nsPids(host);
    if (!ns || ns.length < p.depth) break;
    chain.push(ns[p.depth - 1]);
  }
  return chain;
}
