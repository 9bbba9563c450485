/**
 * Warm spare kernels for a class: while a submission runs, the next one's
 * kernel already starts in a sandbox of its own (`main.js --spare`: snapshot,
 * modules and TypeScript loaded, no port bound), on the core the running
 * submission leaves idle (a graded kernel keeps about 1.1 cores busy, waiting
 * in its cells' timers and sockets). The grader claims it for the next
 * submission (one line of JSON on its stdin: connection file, working folder,
 * environment; the kernel's protocol, see kernel/kernel.ts) instead of
 * starting a kernel cold, about 1.2 s of CPU on the submission's critical path.
 *
 * A spare is a fresh kernel in a fresh sandbox like any other (its own
 * namespaces, uid, cgroup, socket folder and HMAC key): nothing of another
 * submission reaches it, and it never sees code before it is claimed. One
 * that died before its claim is replaced by a cold start in the same sandbox.
 * `CDLAB_KERNEL_SPARE=0` turns spares off.
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { cdlabKernelArgv, minimalEnv, newConnection, type ConnectionInfo, type KernelLauncher } from "../jupyter/launch";
import { isRunning } from "../proc/child";
import { killTree } from "../proc/tree";
import { networkOf, spawnProbeProcess } from "./probe";
import { createSandbox, SANDBOX_CWD, type SandboxLauncher, type SandboxOptions } from "./sandbox";

/** Set to `0` in the grader's environment: no spare kernels. */
export const SPARE_ENV = "CDLAB_KERNEL_SPARE";

/** Options of {@link sparePool}. */
export interface SparePoolOptions extends SandboxOptions {
  /** Spares kept started at most (each warms beside the running kernels and slows them a little). @default 1 */
  size?: number;
  /** How many more kernels will be wanted (e.g. submissions not yet started); no spare is started beyond it. @default Infinity */
  wanted?: () => number;
  /** Also start each spare's probe process (probe.ts), in its network namespace, waiting for its plan. @default false */
  probes?: boolean;
  /**
   * Warm each spare at the lowest CPU weight (its sandbox's cgroup, {@link SandboxOptions.idle}), raised to the default
   * when it is claimed: a spare then runs only on CPU the graded kernels leave unused and never slows them, so spares
   * also pay with as many jobs as cores. Needs the cgroup cpu controller (`cgroupSupport().cpu`). @default false
   */
  idle?: boolean;
}

/** Spare kernels; {@link close} stops those never claimed. */
export interface SparePool {
  /**
   * The launcher of the next kernel: a started spare (claimed by `KernelClient.start`), else a new sandbox where the
   * kernel starts cold; then starts spares for the kernels still wanted.
   */
  launcher(): KernelLauncher;
  /** The probe process started with the spare now running as kernel `pid` (once), if there is one. */
  takeProbe(pid: number): ChildProcess | undefined;
  /** Stop every spare not claimed and remove its sandbox, and every probe process not taken. Idempotent. */
  close(): Promise<void>;
}

interface Spare {
  launcher: SandboxLauncher;
  /** Its environment after the claim: what a kernel started cold in its sandbox gets. */
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  connection: ConnectionInfo;
  exited: Promise<void>;
  /** Its probe process (with `probes`), started before the spare is handed out. */
  probe?: ChildProcess;
}

/** The kernel's command with `--spare` in place of `--connection-file {connection_file}`. */
function spareArgv(): string[] {
  const argv = cdlabKernelArgv();
  const i = argv.indexOf("--connection-file");
  return i < 0 ? [...argv, "--spare"] : [...argv.slice(0, i), "--spare", ...argv.slice(i + 2)];
}

/**
 * Whether spares are wanted: not turned off by {@link SPARE_ENV}.
 *
 * @param env the grader's environment
 * @returns false when `CDLAB_KERNEL_SPARE=0`
 */
export function sparesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SPARE_ENV] !== "0";
}

/**
 * Spare sandboxed kernels, started on demand: none until the first kernel is asked for.
 *
 * @param options the sandbox of every kernel (as `createSandbox` takes it), how many spares, how many still wanted
 * @returns the pool
 * @example
 * ```ts
 * import { KernelClient } from "../jupyter/kernel-client";
 * import { sparePool } from "./spares";
 * const pool = sparePool({ size: 1, wanted: () => 2 });
 * const k = await KernelClient.start({ launcher: pool.launcher() }); // cold: the pool was empty; a spare starts
 * await k.close(0);
 * const k2 = await KernelClient.start({ launcher: pool.launcher() }); // the spare, claimed
 * await k2.close(0);
 * await pool.close();
 * ```
 */
export function sparePool(options: SparePoolOptions = {}): SparePool {
  const { size = 1, wanted = () => Infinity, probes: withProbes = false, idle = false, ...sandbox } = options;
  const ready: Spare[] = [];
  const starting = new Set<Promise<void>>();
  /** Probe processes of claimed spares, by their kernel's pid, until taken or their kernel is gone. */
  const probes = new Map<number, { kernel: ChildProcess; probe: ChildProcess }>();
  let closed = false;
  const kill = (c: ChildProcess) => {
    if (isRunning(c)) c.kill("SIGKILL");
  };
  /**
   * Once the spare's sandbox has its network namespace, a probe process joins it (node's start off the submission's
   * path). Only before the spare is handed out: then no student code runs in the tree `networkOf` walks.
   */
  const startProbe = async (child: ChildProcess): Promise<ChildProcess | undefined> => {
    for (let tries = 0; tries < 250 && !closed && isRunning(child); tries++) {
      const prefix = networkOf(child.pid!);
      if (prefix.length) return spawnProbeProcess(prefix);
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  };

  const start = async (): Promise<void> => {
    const launcher = createSandbox({ ...sandbox, idle });
    // A spare asked to be idle that cannot be (its group got no cpu weight) would slow the graded kernels: none.
    if (idle && !launcher.setIdle(true)) return void launcher.dispose();
    const connection = await newConnection(launcher.socketDir);
    const kernelArgv = spareArgv(); // reads the kernelspec once per spare
    const argv = launcher.command(kernelArgv);
    const env = { ...minimalEnv(), ...launcher.insideEnv(kernelArgv) };
    const child = spawn(argv[0], argv.slice(1), { cwd: os.tmpdir(), env: minimalEnv(), detached: true, stdio: ["pipe", "pipe", "pipe", "pipe"] });
    const exited = new Promise<void>((resolve) => {
      if (!isRunning(child)) return resolve();
      child.once("exit", () => resolve()).once("error", () => resolve());
    });
    for (const s of [child.stdin!, child.stdio[3] as NodeJS.WritableStream]) s.on("error", () => undefined); // a spare that died: its claim fails over to a cold start
    (child.stdio[3] as NodeJS.WritableStream).end(JSON.stringify(connection));
    const spare: Spare = { launcher, env, child, connection, exited };
    // Handed out only once its probe exists: a probe started after the claim would enter a sandbox running student code.
    if (withProbes && !closed) spare.probe = await startProbe(child);
    if (closed) return void stop(spare);
    ready.push(spare);
  };
  const refill = () => {
    while (!closed && ready.length + starting.size < Math.min(size, wanted())) {
      const p = start().catch(() => undefined).finally(() => starting.delete(p));
      starting.add(p);
    }
  };
  const stop = async (s: Spare): Promise<void> => {
    s.child.stdin!.end(); // EOF before a claim: the spare exits by itself
    // Only while it runs: once exited and reaped its pid may be an unrelated process's (disposing the sandbox kills
    // whatever is left in its group).
    if (isRunning(s.child)) killTree(s.child.pid!);
    if (s.probe) kill(s.probe);
    await s.exited;
    s.launcher.dispose();
  };
  const alive = (s: Spare) => isRunning(s.child);
  return {
    launcher(): KernelLauncher {
      for (const [pid, { kernel, probe }] of probes) {
        if (isRunning(kernel)) continue; // its kernel ended without taking it (a submission with no probe, a failed start)
        probes.delete(pid);
        kill(probe);
      }
      let spare = ready.shift();
      while (spare && !alive(spare)) {
        void stop(spare);
        spare = ready.shift();
      }
      refill();
      if (!spare) return createSandbox(sandbox);
      const { launcher, env, child, connection } = spare;
      let taken = false;
      // The submission's kernel runs at the default CPU weight, as a cold one does: raised before the spare is claimed,
      // or before a kernel starts cold in its sandbox (the spare died meanwhile). Never graded at the idle weight: where
      // it cannot be raised, this start fails and the grading starts the kernel cold in a fresh sandbox
      // (steps/execute.ts), as for a spare that died as it was claimed.
      const normalWeight = () => {
        // english: the grader's own error, caught by its cold start in a fresh sandbox; never in a student's feedback
        if (idle && !launcher.setIdle(false)) throw new Error("cannot give a spare kernel's cgroup its CPU weight back");
      };
      return {
        socketDir: launcher.socketDir,
        connectionPath: launcher.connectionPath,
        command: (argv) => {
          normalWeight();
          return launcher.command(argv);
        },
        dispose: () => (taken ? launcher.dispose() : void stop(spare)), // never claimed: the spare goes with its sandbox
        claim: () => {
          if (taken || !alive(spare)) return undefined; // died meanwhile: a cold start in the same sandbox
          normalWeight();
          taken = true;
          if (spare.probe) probes.set(child.pid!, { kernel: child, probe: spare.probe });
          child.stdin!.end(JSON.stringify({ connection_file: launcher.connectionPath, cwd: SANDBOX_CWD, env }) + "\n");
          return { child, connection };
        },
      };
    },
    takeProbe(pid: number): ChildProcess | undefined {
      const probe = probes.get(pid)?.probe;
      probes.delete(pid);
      if (probe && isRunning(probe)) return probe;
      if (probe) kill(probe);
      return undefined; // none, or it died: the grading starts one as for a cold kernel
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(starting);
      await Promise.all(ready.splice(0).map(stop));
      for (const { probe } of probes.values()) kill(probe);
      probes.clear();
    },
  };
}
