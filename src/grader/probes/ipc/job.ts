/**
 * The IPC probes' jobs (job-main.ts) run where the kernel's process sees its
 * files and IPC objects: a sandboxed kernel has its own /tmp, /dev/shm and
 * System V IPC, so the job enters the kernel's mount and IPC namespaces
 * (`nsenter`) and drops to the kernel's uid (`setpriv`, when the grader is
 * root): it may touch nothing the student's code could not. Never its PID
 * namespace: student code cannot see or signal it.
 *
 * A job prints one JSON line per result; it ends by itself, or when its stdin
 * closes (the probe process that started it was killed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";
import { entryFile, programArgs } from "../../../proc/program";
import { findProcess, nsenterArgs, nsOf, type ProbeContext, type ProbeReply } from "../../probe";

/** Watch a folder: what appears in it (with its type) and what is left. */
export interface WatchJob {
  op: "watch";
  dir: string;
  /** Stop watching after this long. */
  ms: number;
}

/** Read a shared memory segment's Int32 values and named semaphores' values. */
export interface StateJob {
  op: "state";
  /** The segment's POSIX name, or none. */
  segment?: string;
  /** At most this many Int32 values are read. */
  maxInts: number;
  /** Semaphores' POSIX names. */
  semaphores: string[];
}

/** Produce or consume items on exercise 07's ring (`<prefix>-buf`, `-empty`, `-full`, `-mutex`). */
export interface RingJob {
  op: "ring";
  prefix: string;
  /** Put this many random items (1 … 999999). */
  produce?: number;
  /** Take this many items. */
  consume?: number;
  /** Give up after this long. */
  ms: number;
}

export type Job = WatchJob | StateJob | RingJob;

function idsOf(host: number): { uid: number; gid: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${host}/status`, "utf8");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command in front of `node job-main`: enter the mount and IPC namespaces
 * of process `host` (where they differ from ours) and take its uid.
 *
 * @param host the process's pid as the grader sees it
 * @returns the prefix (empty when nothing differs), or undefined when the process is gone
 */
export function enterPrefix(host: number): string[] | undefined {
  const ids = idsOf(host);
  if (!ids) return undefined;
  const root = process.getuid?.() === 0;
  const enter = ["mnt", "ipc"].filter((ns) => nsOf(host, ns) !== nsOf("self", ns));
  const prefix: string[] = [];
  if (enter.length) prefix.push(...nsenterArgs(host, enter.map((ns) => (ns === "mnt" ? "--mount" : "--ipc"))));
  if (root && ids.uid !== 0) prefix.push("setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups", "--");
  return prefix;
}

/** Jobs still running (the tests wait for them). */
export const runningJobs = new Set<ChildProcess>();

/**
 * Start a job next to process `host`; each result it prints goes to `onResult`.
 *
 * @param host the process whose namespaces and uid the job takes (pid as the grader sees it)
 * @param job what to do
 * @param onResult called with each result
 * @returns when the first result came (true), or the job ended without one (false)
 */
export function startJob(host: number, job: Job, onResult: (result: unknown) => void): Promise<boolean> {
  const prefix = enterPrefix(host);
  if (!prefix) return Promise.resolve(false);
  const argv = [...prefix, process.execPath, ...programArgs(entryFile(__dirname, "job-main")), JSON.stringify(job)];
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
  runningJobs.add(child);
  child.stdin!.on("error", () => {});
  return new Promise((resolve) => {
    let first = true;
    const settle = (ok: boolean) => {
      if (first) resolve(ok);
      first = false;
    };
    child.once("error", () => (runningJobs.delete(child), settle(false)));
    child.once("close", () => (runningJobs.delete(child), settle(false)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch {
        return;
      }
      onResult(r);
      settle(true);
    });
  });
}

/**
 * Put the kernel's pid into a declared name: `"/cdlab-ex07-{pid}-c2"`.
 *
 * @param template the declaration's name
 * @param pid the kernel's pid, as the cell gave it
 * @returns the name
 */
export const withPid = (template: string, pid: number): string => template.replaceAll("{pid}", String(pid));

/**
 * A kind's `run`: the job made for the pid the cell named, next to that process when it is in the kernel's tree.
 *
 * @param pid the cell's target pid (as the kernel sees it)
 * @param context the probe process's context
 * @param job the job, given the pid (for `{pid}` in names)
 * @returns `{}` once the job's first result came, undefined when it could not run (the cell gets "not run")
 */
export async function runJob(pid: number | undefined, { report, kernelPid }: ProbeContext, job: (pid: number) => Job): Promise<ProbeReply | undefined> {
  const p = pid === undefined ? undefined : findProcess(pid, kernelPid);
  if (!p) return undefined;
  return (await startJob(p.host, job(pid!), report)) ? {} : undefined;
}
