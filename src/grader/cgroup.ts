/**
 * One control group per graded kernel: a cap on the processes and threads of
 * that submission alone (`pids.max`) and on all the memory it uses — its
 * processes, its private `/tmp` and its `/dev/shm` files (`memory.max`, or
 * `memory.limit_in_bytes` on cgroup v1). rlimits cannot do either: RLIMIT_NPROC
 * counts every process of the uid, so with `--jobs N` the sandboxes (all uid
 * 65534) would share one budget, and RLIMIT_AS is per process.
 *
 * cgroup v2 is used where its `pids` and `memory` controllers can be enabled,
 * else the v1 `pids` and `memory` hierarchies (as many container hosts still
 * mount). Both need write access to the hierarchy (root, or a delegated
 * subtree); where there is none, {@link cgroupSupport} says why and the sandbox
 * keeps its rlimits only.
 *
 * A group asked to be `idle` (a spare kernel warming beside the graded ones,
 * spares.ts) also joins the `cpu` controller with the lowest weight
 * (`cpu.weight` 1 on v2, `cpu.shares` 2 on v1), so that it runs only on CPU
 * the graded kernels leave unused, until {@link SubmissionCgroup.setIdle}
 * gives it the default weight back (v2: the controller is enabled, at the
 * root and in `cdlab-grader/`, when the first idle group is made). Where the
 * cpu controller cannot be had, {@link cgroupSupport} says `cpu: false` and
 * such a group gets none.
 *
 * Groups live under `cdlab-grader/<grader pid>-<n>`; those of a grader that was
 * killed are emptied and removed by the next grader.
 *
 * @example
 * ```ts
 * import { createCgroup } from "./cgroup";
 * const cg = createCgroup({ maxProcesses: 256, memoryBytes: 2 * 2 ** 30 });
 * if (cg) {
 *   const argv = [...cg.enter(), "node", "kernel.js"]; // the shell joins the group, then execs
 *   console.log(argv.length);
 *   // … spawn argv …
 *   cg.close(); // kills what is left in it and removes the group
 * }
 * ```
 */
import fs from "node:fs";
import path from "node:path";

/** Limits of one submission's group. */
export interface CgroupLimits {
  /** `pids.max`: processes and threads of the submission. */
  maxProcesses: number;
  /** `memory.max` (v2) or `memory.limit_in_bytes` (v1): all its memory, tmpfs included. */
  memoryBytes: number;
  /** Start with the lowest CPU weight (see the module comment); ignored where {@link cgroupSupport} says `cpu: false`. @default false */
  idle?: boolean;
}

/** Whether per-submission groups can be made here; `version` says which hierarchy. */
export type CgroupSupport = { ok: true; version: 1 | 2; cpu: boolean } | { ok: false; reason: string };

/** A submission's group; {@link close} empties and removes it. */
export interface SubmissionCgroup {
  /** 1 or 2. */
  readonly version: 1 | 2;
  /** The group's folders (one for v2; `pids` and `memory` for v1). */
  readonly dirs: readonly string[];
  /** A command prefix: a shell that moves itself into the group, then execs the rest of the command line. */
  enter(): string[];
  /** Processes in the group now. */
  pids(): number[];
  /** Has a fork or a thread been refused because the group was at `pids.max`? */
  processLimitHit(): boolean;
  /** Has the memory limit been hit (an OOM kill, or allocations refused)? */
  memoryExceeded(): boolean;
  /**
   * Give the group the lowest CPU weight (`true`) or the default one (`false`), as {@link CgroupLimits.idle} does.
   *
   * @returns false where the group has no cpu controller (it was not made `idle`) or the weight cannot be written
   */
  setIdle(idle: boolean): boolean;
  /** Kill everything still in the group, then remove it. Idempotent. */
  close(): void;
  /**
   * Kill everything still in the group now and remove the group once its processes have exited, without blocking
   * (a dying kernel takes a few hundred ms to free its memory). Idempotent, like {@link close}.
   *
   * @returns resolves when the group is removed (or after 3 s, when something in it would not die)
   */
  release(): Promise<void>;
}

const ROOT = "/sys/fs/cgroup";
const GROUP = "cdlab-grader";

interface Layout {
  version: 1 | 2;
  /** Parent folders of the submission groups (v1: one per controller). */
  parents: string[];
  /**
   * Where idle groups get the cpu controller, where it can be had. v2: the parent of the submission groups (weights
   * count among siblings: the spare against the graded kernels). v1: the grader's own cpu group, where the graded
   * kernels run too (a subtree of its own would weigh as one sibling there, whatever its groups' shares), the group
   * named {@link GROUP}-<grader pid>-<n>.
   */
  cpu?: string;
  /** v1: the cpu hierarchy's mount, swept for the idle groups of graders that were killed (wherever they ran). */
  cpuRoot?: string;
}

let layout: Layout | { reason: string } | undefined;

const read = (f: string): string => {
  try {
    return fs.readFileSync(f, "utf8");
  } catch {
    return "";
  }
};

function mountsOf(type: string): { dir: string; opts: string[] }[] {
  return read("/proc/self/mounts")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f[2] === type)
    .map((f) => ({ dir: f[1], opts: f[3].split(",") }));
}

function tryV2(): Layout | string {
  const mount = mountsOf("cgroup2")[0];
  if (!mount) return "no cgroup v2";
  const have = read(path.join(mount.dir, "cgroup.controllers")).trim().split(/\s+/);
  if (!have.includes("pids") || !have.includes("memory")) return `cgroup v2 at ${mount.dir} has no pids/memory controller`;
  const parent = path.join(mount.dir, GROUP);
  try {
    fs.writeFileSync(path.join(mount.dir, "cgroup.subtree_control"), "+pids +memory");
    fs.mkdirSync(parent, { recursive: true });
    fs.writeFileSync(path.join(parent, "cgroup.subtree_control"), "+pids +memory");
  } catch (e) {
    return `cgroup v2 at ${mount.dir} is not writable (${(e as NodeJS.ErrnoException).code})`;
  }
  let cpu: string | undefined;
  // The cpu controller is enabled (machine-wide at the root) only when the first idle group is made (enableCpuV2).
  if (have.includes("cpu")) {
    try {
      fs.accessSync(path.join(mount.dir, "cgroup.subtree_control"), fs.constants.W_OK);
      cpu = parent;
    } catch {
      /* no cpu weights: spares then warm at the default weight */
    }
  }
  return { version: 2, parents: [parent], cpu };
}

function tryV1(): Layout | string {
  const dirs: string[] = [];
  for (const ctl of ["pids", "memory"]) {
    const mount = mountsOf("cgroup").find((m) => m.opts.includes(ctl));
    if (!mount) return `no cgroup v1 ${ctl} hierarchy`;
    const parent = path.join(mount.dir, GROUP);
    try {
      fs.mkdirSync(parent, { recursive: true });
    } catch (e) {
      return `the cgroup v1 ${ctl} hierarchy is not writable (${(e as NodeJS.ErrnoException).code})`;
    }
    dirs.push(parent);
  }
  const own = ownV1Group("cpu");
  let cpu: string | undefined;
  if (own) {
    try {
      fs.accessSync(own.dir, fs.constants.W_OK);
      cpu = own.dir;
    } catch {
      /* no cpu weights: spares then warm at the default weight */
    }
  }
  return { version: 1, parents: dirs, cpu, cpuRoot: cpu && own?.mount };
}

/**
 * The cgroup v1 hierarchy that has `controller` (e.g. `cpu`, `cpuacct`), and this process's folder in it.
 *
 * @returns the hierarchy's mount and the folder, or undefined where no v1 hierarchy has that controller
 * @example
 * ```ts
 * import { ownV1Group } from "./cgroup";
 * ownV1Group("cpu"); // { mount: "/sys/fs/cgroup/cpu", dir: "/sys/fs/cgroup/cpu/user.slice" } on a v1 machine
 * ```
 */
export function ownV1Group(controller: string): { mount: string; dir: string } | undefined {
  const mount = mountsOf("cgroup").find((m) => m.opts.includes(controller));
  if (!mount) return undefined;
  const line = read("/proc/self/cgroup")
    .split("\n")
    .map((l) => /^\d+:([^:]*):(.*)$/.exec(l))
    .find((m) => m?.[1].split(",").includes(controller));
  return { mount: mount.dir, dir: path.join(mount.dir, line?.[2] ?? "/") };
}

function findLayout(): Layout | { reason: string } {
  if (layout) return layout;
  // english: the instructor's terminal (cdlab grade), never a student's feedback
  if (process.platform !== "linux" || !fs.existsSync(ROOT)) return (layout = { reason: "no cgroups (Linux only)" });
  const v2 = tryV2();
  if (typeof v2 !== "string") return (layout = v2);
  const v1 = tryV1();
  if (typeof v1 !== "string") return (layout = v1);
  return (layout = { reason: `no per-submission cgroup: ${v2}; ${v1}` });
}

/**
 * Can per-submission groups be made here? Checked once per process.
 *
 * @returns `{ ok: true, version }` or `{ ok: false, reason }` (one English line for the instructor)
 */
export function cgroupSupport(): CgroupSupport {
  const l = findLayout();
  return "reason" in l ? { ok: false, reason: l.reason } : { ok: true, version: l.version, cpu: !!l.cpu };
}

/** The folders that hold the submission groups (v1: one per controller); empty where there are none. */
export function cgroupParents(): string[] {
  const l = findLayout();
  return "reason" in l ? [] : [...l.parents];
}

/** The folder that holds the submission groups' cpu controller (v2: the same as {@link cgroupParents}'), if there is one. */
export function cgroupCpuParent(): string | undefined {
  const l = findLayout();
  return "reason" in l ? undefined : l.cpu;
}

let cpuEnabled = false;

/**
 * v2: enable the cpu controller for the submission groups (at the root, then in their parent), once, when the first
 * idle group is made; a grader that never makes one leaves the root's controllers as they were.
 *
 * @returns false where it cannot be (cgroupSupport then says `cpu: false`)
 */
function enableCpuV2(l: Layout): boolean {
  if (cpuEnabled || !l.cpu) return !!l.cpu;
  try {
    fs.writeFileSync(path.join(path.dirname(l.cpu), "cgroup.subtree_control"), "+cpu");
    fs.writeFileSync(path.join(l.cpu, "cgroup.subtree_control"), "+cpu");
    cpuEnabled = true;
  } catch {
    l.cpu = undefined;
  }
  return !!l.cpu;
}

/** The name of an idle group in a v1 cpu hierarchy: {@link GROUP}-<grader pid>-<n>. */
const V1_CPU_NAME = new RegExp(`^${GROUP}-(\\d+)-\\d+$`);

/**
 * v1: the folders under the cpu hierarchy's mount (5 levels deep, at most 2000 folders) that hold idle groups, so
 * that those of a grader killed while it ran in another group (another session, the bench's own) are swept too.
 */
function v1CpuParents(root: string): string[] {
  const parents = new Set<string>();
  const queue = [{ dir: root, depth: 0 }];
  for (let seen = 0; queue.length && seen < 2000; seen++) {
    const { dir, depth } = queue.shift()!;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (V1_CPU_NAME.test(e.name)) parents.add(dir);
      else if (depth < 5) queue.push({ dir: path.join(dir, e.name), depth: depth + 1 });
    }
  }
  return [...parents];
}

const procsOf = (dir: string): number[] =>
  read(path.join(dir, "cgroup.procs"))
    .split("\n")
    .filter(Boolean)
    .map(Number);

/** One round of emptying: kill every process in the groups, try to remove them; true once none is left. */
function emptyOnce(dirs: readonly string[]): boolean {
  const left = new Set(dirs.flatMap(procsOf));
  for (const dir of dirs) if (fs.existsSync(path.join(dir, "cgroup.kill"))) fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  let busy = false;
  for (const dir of dirs) {
    try {
      fs.rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") busy = true;
    }
  }
  return !busy;
}

/** Kill every process in the groups and remove them, waiting up to `ms` for the last ones to go (blocking). */
function empty(dirs: readonly string[], ms = 3000): void {
  const until = Date.now() + ms;
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  while (!emptyOnce(dirs) && Date.now() <= until) Atomics.wait(sleep, 0, 0, 20);
}

/** {@link empty} without blocking the event loop: the processes are killed now, the groups removed once they are gone. */
async function emptySoon(dirs: readonly string[], ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!emptyOnce(dirs) && Date.now() <= until) await new Promise((r) => setTimeout(r, 20));
}

/** Remove the groups of graders that no longer run (their pid is the first part of the name). */
function sweep(parents: readonly string[], named = /^(\d+)-\d+$/): void {
  for (const parent of parents) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(parent).filter((n) => named.test(n));
    } catch {
      continue;
    }
    for (const n of names) {
      const pid = Number(named.exec(n)![1]);
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ESRCH") empty([path.join(parent, n)], 500);
      }
    }
  }
}

let serial = 0;
let swept = false;

/**
 * Make a group for one submission's kernel, with its limits set.
 *
 * @param limits processes and memory of the whole submission
 * @returns the group, or undefined where {@link cgroupSupport} is not ok or the group cannot be made
 */
export function createCgroup(limits: CgroupLimits): SubmissionCgroup | undefined {
  const l = findLayout();
  if ("reason" in l) return undefined;
  if (!swept) {
    swept = true;
    sweep(l.parents);
    if (l.cpuRoot) sweep(v1CpuParents(l.cpuRoot), V1_CPU_NAME);
  }
  const name = `${process.pid}-${++serial}`;
  const dirs = l.parents.map((p) => path.join(p, name));
  const [pidsDir, memDir = pidsDir] = dirs; // v1: the pids then the memory hierarchy (tryV1's order); v2: one folder
  try {
    for (const d of dirs) fs.mkdirSync(d);
    fs.writeFileSync(path.join(pidsDir, "pids.max"), String(limits.maxProcesses));
    fs.writeFileSync(path.join(memDir, l.version === 2 ? "memory.max" : "memory.limit_in_bytes"), String(limits.memoryBytes));
    if (l.version === 2 && fs.existsSync(path.join(memDir, "memory.swap.max"))) fs.writeFileSync(path.join(memDir, "memory.swap.max"), "0");
  } catch {
    empty(dirs, 0);
    return undefined;
  }
  // The cpu controller only for an idle group (v1: a folder in its own hierarchy; v2: the same folder). Where its
  // weight cannot be set, the group keeps its limits and runs at the default weight.
  let cpuDir = limits.idle && l.cpu && (l.version === 1 || enableCpuV2(l)) ? path.join(l.cpu, l.version === 1 ? `${GROUP}-${name}` : name) : undefined;
  const weight = (idle: boolean): boolean => {
    if (!cpuDir) return false;
    try {
      if (l.version === 2) fs.writeFileSync(path.join(cpuDir, "cpu.weight"), idle ? "1" : "100");
      else fs.writeFileSync(path.join(cpuDir, "cpu.shares"), idle ? "2" : "1024");
      return true;
    } catch {
      return false;
    }
  };
  if (cpuDir && l.version === 1) {
    try {
      fs.mkdirSync(cpuDir);
      dirs.push(cpuDir);
    } catch {
      cpuDir = undefined;
    }
  }
  if (cpuDir && !weight(true)) cpuDir = undefined;
  let released: Promise<void> | undefined;
  return {
    version: l.version,
    dirs,
    enter: () => ["/bin/sh", "-c", `for d in ${dirs.map((d) => `'${d}'`).join(" ")}; do echo $$ > "$d/cgroup.procs" || exit 97; done; exec "$@"`, "cdlab-cgroup"],
    pids: () => [...new Set(dirs.flatMap(procsOf))],
    processLimitHit: () => /^max [1-9]/m.test(read(path.join(pidsDir, "pids.events"))),
    memoryExceeded: () => {
      if (l.version === 2) return /^(oom_kill|max) [1-9]/m.test(read(path.join(memDir, "memory.events")));
      return Number(read(path.join(memDir, "memory.failcnt")) || 0) > 0;
    },
    setIdle: weight,
    close: () => {
      if (released) return;
      released = Promise.resolve();
      empty(dirs);
    },
    release: () => (released ??= emptySoon(dirs)),
  };
}
