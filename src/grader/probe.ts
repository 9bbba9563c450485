/**
 * Probes: behaviour measured from a process of the grader's, next to the
 * kernel (in the same sandbox), never inside it. A test cell asks for a probe
 * by name with a target (`await probe("servidor", { port })`); the probe
 * process runs what the source notebook's hidden part declared for that name
 * (`udp({ send: [...] })`), sends the result to the grader on its stdout and
 * only "ok" back to the kernel. So a student's code can pick the target, but
 * not what is sent to it nor what the grader reads back.
 *
 * Where the kernel runs in a sandbox, pass {@link ProbeLauncher.prefix} with
 * the command that enters it (the probe must share the kernel's loopback).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";
import { entryFile, programArgs } from "../proc/program";
import { descendants } from "../proc/tree";

/** Datagrams sent to the cell's target port (127.0.0.1), one fresh socket each. */
export interface UdpProbeSpec {
  kind: "udp";
  /** Texts to send (UTF-8), in order. */
  send: string[];
  /** Send all at once, from as many sockets, instead of one after the other. @default false */
  parallel?: boolean;
  /** How long to wait for each reply. @default 2000 */
  timeoutMs?: number;
}

/** Is the cell's target UDP port free (can the probe bind 127.0.0.1 on it)? Result: `{ free }`. */
export interface UdpFreeProbeSpec {
  kind: "udp-free";
}

/**
 * A UDP server run by the probe process for the cell to talk to (its port is
 * the answer the cell gets). Result, updated at each datagram: `{ received, texts }`.
 */
export interface UdpServerProbeSpec {
  kind: "udp-server";
  /** Datagrams dropped (not answered) first. @default 0 */
  drop?: number;
  /** Answer with the text in upper case, or never. @default "upper" */
  reply?: "upper" | "none";
}

/** Every kind of probe. */
export type ProbeSpec = UdpProbeSpec | UdpFreeProbeSpec | UdpServerProbeSpec;

/** A UDP probe's result: one entry per datagram sent, `text: null` when no reply came. */
export type UdpProbeResult = { text: string | null; length: number; from: number | null }[];

/** How the grader starts the probe process. */
export interface ProbeLauncher {
  /** Command put before `node probe-main.js`, e.g. `["nsenter", "--net=/proc/<kernel pid>/ns/net", "--"]`. @default [] */
  prefix?: string[];
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
 * Start the probe process with the submission's probe plan.
 *
 * @param plan probe specs by name
 * @param launcher how to start it
 * @param results where results go (shared by the probe processes of one submission's kernels)
 * @returns the running process
 */
export async function startProbes(plan: Record<string, ProbeSpec>, launcher: ProbeLauncher = {}, results = new Map<string, unknown>()): Promise<ProbeProcess> {
  const argv = [...(launcher.prefix ?? []), process.execPath, ...programArgs(entryFile(__dirname, "probe-main"))];
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
  // A probe that cannot start (e.g. nsenter refused) exits before reading its plan: the "exit" below reports it;
  // the EPIPE of this write must not crash the grader.
  child.stdin!.on("error", () => {});
  child.stdin!.end(JSON.stringify(plan) + "\n");
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the probe process exited (${code}) before listening`)));
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
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      })),
  };
}

const nsOf = (pid: number | "self", ns: string) => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
};

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
    const user = nsOf(pid, "user") !== nsOf("self", "user") && process.getuid?.() !== 0 ? ["--user", "--preserve-credentials"] : [];
    return ["nsenter", `--target=${pid}`, "--net", ...user, "--"];
  }
  return [];
}
