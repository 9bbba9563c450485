/**
 * The sandbox a graded kernel runs in (Linux, bubblewrap): its own PID, mount,
 * network (loopback only), IPC and UTS namespaces, an unprivileged uid, and
 * rlimits on processes, file size, CPU time and memory. The kernel talks to
 * the grader only through ZMQ over unix sockets in a directory bound into the
 * sandbox at the same path; its connection file (with the HMAC key) is copied
 * from a pipe into the sandbox's private /tmp and exists nowhere else.
 *
 * The chain the grader spawns: `prlimit … -- [setpriv --reuid 65534 …] bwrap …
 * -- node [--snapshot-blob …] kernel`: the kernel runs straight from its startup
 * snapshot when it can (src/jupyter/kernel-snapshot.ts), else without one, never
 * through main.ts's launcher process (a cell killing its parent finds bwrap's
 * init, not a process whose death ends the kernel). As root, setpriv drops to nobody (no capabilities) before
 * bwrap, which then builds an unprivileged user namespace; as another user,
 * bwrap maps uid 65534 inside to the caller. `--die-with-parent`: the sandbox
 * dies with the grader, and with its PID namespace everything started in it.
 *
 * Where the machine allows it (root, or a delegated cgroup), each kernel also
 * gets a control group of its own (cgroup.ts): `maxProcesses` and
 * `groupMemoryBytes` then bound the submission as a whole, whatever `--jobs`.
 *
 * Where it cannot be had (not Linux, no bwrap, user namespaces refused),
 * {@link sandboxSupport} says why and the grader runs kernels as before.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { KernelLauncher } from "../jupyter/launch";
import { DISABLE_ENV, snapshotArgv, withStartEnv } from "../jupyter/kernel-snapshot";
import { createCgroup } from "./cgroup";
import { onPath } from "../proc/on-path";
import { PACKAGE_ROOT } from "../runtime/root";

/** Resource limits of one sandboxed kernel (rlimits per process; with a cgroup, per submission). */
export interface SandboxLimits {
  /**
   * Processes and threads of the submission: `pids.max` of its cgroup where there is one (RLIMIT_NPROC, shared by
   * the uid, is then only a loose guard of 16 times that); else RLIMIT_NPROC of the sandbox's uid. @default 1024
   */
  maxProcesses?: number;
  /** All the memory of the submission (processes, `/tmp`, `/dev/shm`), where it has a cgroup. @default 2 GiB */
  groupMemoryBytes?: number;
  /** RLIMIT_FSIZE: the largest file it may write. @default 64 MiB */
  maxFileBytes?: number;
  /** RLIMIT_CPU: CPU seconds of each process. @default 600 */
  cpuSeconds?: number;
  /** RLIMIT_AS: address space of each process. @default 16 GiB (V8 reserves much it never uses) */
  memoryBytes?: number;
  /**
   * The kernel's V8 heap (`--max-old-space-size`), only where there is no cgroup (a V8 flag also means no startup
   * snapshot: src/jupyter/kernel-snapshot.ts). @default 1024 MiB
   */
  heapMiB?: number;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** Files that must not be visible inside even if they lie under a bound folder (the source notebook, the submission, reports). */
  hide?: string[];
  limits?: SandboxLimits;
  /**
   * Run at the lowest CPU weight until {@link SandboxLauncher.setIdle}(false): only on CPU the other kernels leave
   * unused (a spare kernel warming). Needs the cgroup cpu controller (`cgroupSupport().cpu`); ignored elsewhere.
   * @default false
   */
  idle?: boolean;
}

/** A kernel launcher into a new sandbox ({@link createSandbox}). */
export interface SandboxLauncher extends KernelLauncher {
  /**
   * The variables the sandbox sets for the kernel of `argv`, on top of the environment it is spawned with: HOME and
   * PWD (its folder), and, when it cannot start from its snapshot, the switch that keeps it from looking for one.
   */
  insideEnv(argv: string[]): Record<string, string>;
  /**
   * Set the sandbox's CPU weight: the lowest (`true`) or the default (`false`).
   *
   * @returns false where the sandbox was not made {@link SandboxOptions.idle} or has no cpu controller
   */
  setIdle(idle: boolean): boolean;
}

/** Whether sandboxed grading works here, and if not, why (one English line). */
export type SandboxSupport = { ok: true } | { ok: false; reason: string };

const NOBODY = 65534;

/** The kernel's working folder inside its sandbox (a private tmpfs), also its HOME. */
export const SANDBOX_CWD = "/tmp/work";
const isRoot = () => process.getuid?.() === 0;

const found = new Map<string, string | undefined>();

/** The path of `cmd` on PATH (/usr/bin:/bin when there is none), looked up once per process and PATH. */
function which(cmd: string): string | undefined {
  const dirs = process.env.PATH ?? "/usr/bin:/bin";
  const key = `${cmd}\0${dirs}`;
  if (!found.has(key)) found.set(key, onPath(cmd, dirs));
  return found.get(key);
}

let system: readonly string[] | undefined;

/**
 * Bind mounts for the system: /usr, /etc, the top-level links into /usr, and Node's own prefix. Read once per process:
 * they depend only on the root's layout and on this Node's path.
 */
function systemMounts(): readonly string[] {
  if (system) return system;
  const args = ["--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc", "/etc"];
  for (const top of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(top);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(top), top);
    else args.push("--ro-bind", top, top);
  }
  const nodePrefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  if (!["/usr", "/"].includes(nodePrefix)) args.push("--ro-bind", nodePrefix, nodePrefix);
  return (system = args);
}

/** The parts of the project a kernel needs, read-only: no notebooks, tests, docs or .git. */
export const PROJECT_PARTS = ["package.json", "dist/src", "dist/kernel", "node_modules", "build", "src"];

function projectMounts(): string[] {
  const args: string[] = [];
  for (const part of PROJECT_PARTS) {
    const p = path.join(PACKAGE_ROOT, part);
    if (fs.existsSync(p)) args.push("--ro-bind", p, p);
  }
  return args;
}

/** Mask files that would otherwise be visible under a bound folder. */
function hideMounts(hide: string[]): string[] {
  const bound = ["/usr", "/etc", ...PROJECT_PARTS.map((p) => path.join(PACKAGE_ROOT, p))];
  const args: string[] = [];
  for (const f of hide) {
    let real: string;
    try {
      real = fs.realpathSync(f);
    } catch {
      continue;
    }
    if (!bound.some((b) => real === b || real.startsWith(b + path.sep))) continue;
    args.push(...(fs.statSync(real).isDirectory() ? ["--tmpfs", real] : ["--ro-bind", "/dev/null", real]));
  }
  return args;
}

function limitArgs(l: SandboxLimits, grouped = false): string[] {
  const { maxProcesses = 1024, maxFileBytes = 64 << 20, cpuSeconds = 600, memoryBytes = 16 * 2 ** 30 } = l;
  return [`--nproc=${grouped ? maxProcesses * 16 : maxProcesses}`, `--fsize=${maxFileBytes}`, `--cpu=${cpuSeconds}`, `--as=${memoryBytes}`, "--core=0"];
}

/** The commands in front of bwrap: rlimits, then (as root) the switch to nobody with no capabilities. */
function prefix(limits: SandboxLimits, bwrap: string, grouped = false): string[] {
  const pre = [which("prlimit") ?? "prlimit", ...limitArgs(limits, grouped), "--"];
  if (isRoot()) {
    pre.push(which("setpriv") ?? "setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--");
  }
  return [...pre, bwrap];
}

const NAMESPACES = ["--unshare-user", "--uid", `${NOBODY}`, "--gid", `${NOBODY}`, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "cdlab", "--die-with-parent", "--new-session"];

let support: SandboxSupport | undefined;

/**
 * Can kernels be sandboxed here? Checked once per process with a real run of `true` in a sandbox with the
 * kernel's mounts (a second run, only after a failure, says whether namespaces or the project's folders were refused).
 *
 * @returns `{ ok: true }`, or `{ ok: false, reason }` (one line, English: only the instructor's terminal shows it)
 */
export function sandboxSupport(): SandboxSupport {
  if (support) return support;
  // english: the instructor's terminal (cdlab grade), never a student's feedback
  if (process.platform !== "linux") return (support = { ok: false, reason: `no sandbox on ${process.platform} (Linux only)` });
  const bwrap = which("bwrap");
  // english: the instructor's terminal (cdlab grade), never a student's feedback
  if (!bwrap) return (support = { ok: false, reason: "no sandbox: bubblewrap is not installed (as root: node scripts/setup-sandbox.js)" });
  const run = (mounts: readonly string[]) => {
    const argv = [...prefix({}, bwrap), ...NAMESPACES, "--tmpfs", "/tmp", ...mounts, "--proc", "/proc", "--dev", "/dev", "--", "true"];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 20_000 });
    return r.status === 0 ? undefined : (r.error?.message ?? r.stderr ?? "").trim().split("\n")[0] || `exit ${r.status ?? r.signal}`;
  };
  // One run with every mount a kernel gets; only when it fails, a second without the project tells which part failed.
  const failed = run([...systemMounts(), ...projectMounts()]);
  if (failed) {
    const why = run(systemMounts());
    // english: the instructor's terminal (cdlab grade), never a student's feedback
    if (why) return (support = { ok: false, reason: `no sandbox: bubblewrap cannot create namespaces here (${why})` });
    // The sandbox user must be able to reach the project (a clone inside a 0700 folder is not reachable by nobody).
    // english: the instructor's terminal (cdlab grade), never a student's feedback
    return (support = { ok: false, reason: `no sandbox: the sandbox user cannot read the project at ${PACKAGE_ROOT} (${failed}); make its folders readable by others (chmod o+rx)` });
  }
  return (support = { ok: true });
}

/** Remove socket folders left by graders that were killed (their pid is in the name and no longer runs). */
function sweepStale(): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^cdlab-sbx-(\d+)-/.exec(n)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") fs.rmSync(path.join(os.tmpdir(), n), { recursive: true, force: true });
    }
  }
}

/**
 * A launcher that runs one kernel in a new sandbox (see the module comment).
 * Call only when {@link sandboxSupport} is ok.
 *
 * @param options files to hide and limits
 * @returns the launcher for `KernelClient.start({ launcher })`; its `dispose()` removes the socket folder, kills
 *   what is left in the group and removes the group soon after, without blocking
 */
export function createSandbox(options: SandboxOptions = {}): SandboxLauncher {
  const bwrap = which("bwrap") ?? "bwrap";
  sweepStale();
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), `cdlab-sbx-${process.pid}-`));
  if (isRoot()) fs.chownSync(socketDir, NOBODY, NOBODY);
  fs.chmodSync(socketDir, 0o700);
  const limits = options.limits ?? {};
  const group = createCgroup({ maxProcesses: limits.maxProcesses ?? 1024, memoryBytes: limits.groupMemoryBytes ?? 2 * 2 ** 30, idle: options.idle });
  const inside = "/tmp/.cdlab";
  const cwd = SANDBOX_CWD;
  const runArgv = (argv: string[]) => {
    const [node, ...rest] = argv;
    // With a group its memory cap bounds the kernel; a V8 heap flag would also keep it from its startup snapshot.
    const heap = !group && path.basename(node).startsWith("node") ? [`--max-old-space-size=${limits.heapMiB ?? 1024}`] : [];
    return [node, ...heap, ...rest];
  };
  const envInside = (direct: string[] | undefined): Record<string, string> => ({ HOME: cwd, PWD: cwd, ...(direct ? {} : { [DISABLE_ENV]: "0" }) });
  return {
    socketDir,
    connectionPath: `${inside}/connection.json`,
    insideEnv: (argv) => envInside(snapshotArgv(runArgv(argv))),
    setIdle: (idle) => group?.setIdle(idle) ?? false,
    command(argv: string[]): string[] {
      const run = runArgv(argv);
      // The kernel straight from its snapshot, else in main.ts's own process: never main.ts's launcher, a parent
      // that a cell could kill (taking its kernel with it) where it now finds the sandbox's init.
      const direct = snapshotArgv(run);
      return [
        // A private /tmp first: the project (a clone may live under /tmp) and the socket folder are bound over it.
        ...(group?.enter() ?? []), ...prefix(limits, bwrap, !!group), ...NAMESPACES, "--tmpfs", "/tmp", ...systemMounts(), ...projectMounts(),
        ...hideMounts(options.hide ?? []), "--proc", "/proc", "--dev", "/dev", "--dir", cwd, "--dir", inside, "--bind", socketDir, socketDir,
        "--file", "3", `${inside}/connection.json`, "--chdir", cwd,
        // From the snapshot, with the start's malloc tuning (the kernel drops it from its environment at start).
        ...Object.entries({ ...envInside(direct), ...(direct ? withStartEnv({}) : {}) }).flatMap(([k, v]) => ["--setenv", k, String(v)]),
        "--", ...(direct ?? run),
      ];
    },
    dispose(): void {
      // Everything in the group is killed now; the group goes once the kernel has freed its memory, while the grader
      // goes on (the next submission's kernel starts meanwhile, and the other jobs' kernels are not kept waiting).
      void group?.release();
      fs.rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
