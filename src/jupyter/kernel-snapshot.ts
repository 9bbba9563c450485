/**
 * Can the cdlab kernel start from its startup snapshot (kernel/snapshot.ts,
 * built by kernel/snapshot-build.ts), and with which command line?
 *
 * One list of checks ({@link blobChecks}) decides, in two forms generated from
 * it: the shell script `start.sh` that snapshot-build.ts writes beside the blob
 * ({@link startScript}), which the kernelspec's command sources
 * ({@link shellCommand}) so that the process Jupyter starts `exec`s into the
 * kernel from the blob (no second Node process); and {@link snapshotProblem}
 * in TypeScript, for kernel/main.ts started directly (KernelClient), which then
 * runs the kernel from the blob in a child process, and for the grader's
 * sandbox, which puts the blob on the kernel's own command line, so that no
 * launcher process stands between the sandbox and the kernel (a cell that
 * kills its parent then hits the sandbox's init, which it cannot kill, instead
 * of its own kernel).
 *
 * Only Node's built-in modules: main.ts loads this before choosing.
 *
 * @example
 * ```ts
 * const argv = snapshotArgv([process.execPath, "/p/dist/kernel/main.js", "--connection-file", "c.json"]);
 * // [node, "--snapshot-blob", "/p/dist/kernel/kernel.blob", ...SNAPSHOT_V8_FLAGS, "--", "/p/dist/kernel/main.js", "--connection-file", "c.json"],
 * // or undefined when the blob cannot be used (see snapshotProblem)
 * ```
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Set to `0` to start the kernel without the snapshot. */
export const DISABLE_ENV = "CDLAB_KERNEL_SNAPSHOT";

/** A file as `fs.statSync` saw it. */
export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  /**
   * The inode's change time and number: a same-size edit whose mtime was kept or restored (`cp -p`, `rsync -a`,
   * `tar -x`, `touch -r`) still changes them, and user space cannot set a ctime.
   */
  ctimeMs: number;
  ino: number;
}

/** What a blob's description (`kernel.blob.json`) says: which Node built it, from which snapshot.js, for which folder. */
export interface BlobInfo {
  /** Node's version (for people; the check is {@link BlobInfo.nodeBinary}). */
  node: string;
  /** The Node binary that built the blob, the only one that may load it: its path and {@link binaryId}. */
  nodeBinary?: { path: string; id: string };
  /** The SHA-256 of the snapshot.js the blob was built from (a rebuild of dist/ that changes nothing keeps the blob). */
  entry: string;
  /** typescript.js and the declaration files, as they were when parsed into the blob (snapshot-build.ts --if-stale compares them). */
  inputs: FileStamp[];
  /** The folder of the kernel's JavaScript the blob loads its modules from (an install copied elsewhere needs its own). */
  kernelDir?: string;
  /** The V8 flags the blob was built with ({@link SNAPSHOT_V8_FLAGS} then), which every start from it must pass. */
  v8Flags?: string[];
}

/**
 * The V8 flags the snapshot is built with, and so every kernel started from it: V8 refuses a blob under other
 * flags. `--interrupt-budget` 16 × V8's default (67584): a function must run 16 times longer before V8's optimizing
 * compiler (TurboFan, on a second thread) takes it. TypeScript's compiler, run for a cell at a time, otherwise
 * keeps that thread busy with functions that never run long enough to pay it back: a graded submission of exercise
 * 02 took 2.37 s of the kernel's CPU with V8's default and 1.77 s with this (the main thread's share the same), 160
 * interactive cells 25–40% less; a hot loop in a cell is optimized a few ms later (docs/contributors/benchmarks.md).
 */
export const SNAPSHOT_V8_FLAGS: readonly string[] = ["--interrupt-budget=1081344"];

/** The files of a kernel folder's snapshot. */
export interface SnapshotFiles {
  /** The kernel folder, resolved (what a blob's `kernelDir` must say). */
  kernelDir: string;
  blob: string;
  info: string;
  /** The snapshot.js the blob must have been built from. */
  entry: string;
  /** The start script the kernelspec's command sources ({@link startScript}). */
  start: string;
}

/** The snapshot files of the kernel folder `kernelDir` (dist/kernel). */
export function snapshotFiles(kernelDir: string): SnapshotFiles {
  let real = kernelDir;
  try {
    real = fs.realpathSync(kernelDir);
  } catch {
    /* kept as given */
  }
  return { kernelDir: real, blob: path.join(kernelDir, "kernel.blob"), info: path.join(kernelDir, "kernel.blob.json"), entry: path.join(kernelDir, "snapshot.js"), start: path.join(kernelDir, "start.sh") };
}

/** Node flags that do not change V8's configuration, so a snapshot built without them still loads. */
const SAFE_FLAGS = ["--no-force-async-hooks-checks", "--no-warnings", "--enable-source-maps", "--trace-uncaught"];

/** The SHA-256 of snapshot.js's JavaScript. */
export function entryHash(entry: string): string {
  return createHash("sha256").update(fs.readFileSync(entry)).digest("hex");
}

/** A Node binary's identity as both checkers can read it cheaply: size and whole-second mtime (`stat -c %s:%Y`). */
export function binaryId(file: string): string {
  const s = fs.statSync(file);
  return `${s.size}:${Math.floor(s.mtimeMs / 1000)}`;
}

/**
 * One condition a kernel start must meet to use a blob. The list
 * ({@link blobChecks}) is the single statement of the decision: {@link snapshotProblem}
 * evaluates it in TypeScript (main.ts, the grader's sandbox) and
 * {@link startScript} renders the same list as shell for the kernelspec's
 * command, so that Jupyter's kernel starts from the blob with no second Node
 * process. Each kind has its two forms: a case in failure() and one in shellLine().
 */
export type BlobCheck =
  | { kind: "enabled" }
  | { kind: "flags"; safe: readonly string[] }
  | { kind: "blob"; path: string }
  | { kind: "node"; path: string; id: string }
  | { kind: "folder"; dir: string }
  | { kind: "entry"; path: string; sha256: string };

/** The checks for the snapshot of `files` as `info` describes it (no `info`: only those that need no blob). */
export function blobChecks(files: SnapshotFiles, info?: BlobInfo): BlobCheck[] {
  const always: BlobCheck[] = [{ kind: "enabled" }, { kind: "flags", safe: SAFE_FLAGS }];
  if (!info) return always;
  return [
    ...always,
    { kind: "blob", path: files.blob },
    { kind: "node", path: info.nodeBinary?.path ?? "", id: info.nodeBinary?.id ?? "" },
    { kind: "folder", dir: info.kernelDir ?? "" },
    { kind: "entry", path: files.entry, sha256: info.entry },
  ];
}

/**
 * What a kernel started from the snapshot gets in its environment, unless the
 * variable is set already: glibc's malloc asks for transparent huge pages
 * (`glibc.malloc.hugetlb=1`, glibc 2.35 and later; ignored by others), which
 * halves the page faults of deserializing the blob (docs/contributors/benchmarks.md,
 * kernel section). {@link START_ENV_MARK} says they were added; the kernel
 * removes both at start ({@link dropStartEnv}), so that the programs a cell
 * runs do not inherit them.
 */
export const START_ENV: Readonly<Record<string, string>> = { GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" };
/** Set to `1` with {@link START_ENV}'s variables when the start added them. */
export const START_ENV_MARK = "CDLAB_KERNEL_START_ENV";

/** `env` with {@link START_ENV} added where unset (and the mark, if any was). */
export function withStartEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const add = Object.entries(START_ENV).filter(([k]) => !env[k]);
  return add.length ? { ...env, ...Object.fromEntries(add), [START_ENV_MARK]: "1" } : env;
}

/** Remove what the start added to `env` (the kernel's own process.env, at start). */
export function dropStartEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (env[START_ENV_MARK] !== "1") return;
  for (const k of Object.keys(START_ENV)) delete env[k];
  delete env[START_ENV_MARK];
}

/** What a kernel command is started with: its Node, its Node flags, the folder of its main.js, its environment. */
interface Start {
  node: string;
  flags: readonly string[];
  kernelDir: string;
  env: NodeJS.ProcessEnv;
}

/** Why `start` fails `check` (undefined: it passes). */
function failure(check: BlobCheck, start: Start): string | undefined {
  switch (check.kind) {
    case "enabled":
      return start.env[DISABLE_ENV] === "0" ? `${DISABLE_ENV}=0` : undefined;
    case "flags": {
      const foreign = [...start.flags, ...(start.env.NODE_OPTIONS ?? "").split(/\s+/)].filter(Boolean).find((f) => !check.safe.includes(f.split("=")[0]));
      return foreign && `started with ${foreign} (a snapshot needs the V8 flags it was built with)`;
    }
    case "blob":
      try {
        fs.accessSync(check.path, fs.constants.R_OK);
        return undefined;
      } catch {
        return "no snapshot built";
      }
    case "node": {
      let id = "";
      try {
        id = binaryId(start.node);
      } catch {
        /* no such file */
      }
      return start.node === check.path && id === check.id ? undefined : `built by another Node (${[check.path || "unrecorded", check.id].filter(Boolean).join(" ")})`;
    }
    case "folder":
      return start.kernelDir === check.dir ? undefined : `built for ${check.dir || "another folder"}`;
    case "entry":
      try {
        return entryHash(check.path) === check.sha256 ? undefined : "older than the kernel's build";
      } catch {
        return "older than the kernel's build";
      }
    default: {
      const unknown: never = check; // a new kind of check must be decided here too, not pass silently
      return `unknown check ${JSON.stringify(unknown)}`;
    }
  }
}

/** A shell word for `s`. */
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The shell line that returns from the start script's function when `check` fails (variables: see startScript). */
function shellLine(check: BlobCheck): string {
  switch (check.kind) {
    case "enabled":
      return `[ "\${${DISABLE_ENV}-}" != 0 ] || return 0`;
    case "flags":
      return `for cdlab_f in $cdlab_flags \${NODE_OPTIONS-}; do case \${cdlab_f%%=*} in ${check.safe.join("|")}) ;; *) return 0 ;; esac; done`;
    case "blob":
      return `[ -r ${quote(check.path)} ] || return 0`;
    case "node":
      return `[ "$cdlab_node" = ${quote(check.path)} ] && [ "$(stat -L -c %s:%Y -- "$cdlab_node" 2>/dev/null)" = ${quote(check.id)} ] || return 0`;
    case "folder":
      return `[ "$cdlab_dir" = ${quote(check.dir)} ] || return 0`;
    case "entry":
      return `[ "$(sha256sum < ${quote(check.path)} 2>/dev/null)" = ${quote(`${check.sha256}  -`)} ] || return 0`;
  }
}

/**
 * The start script (`start.sh` beside the blob) for the snapshot of `files` as
 * `info` describes it: sourced by the kernelspec's command ({@link shellCommand})
 * with `"$@"` = `[node, ...node flags, …/main.js, ...args]`, it `exec`s that
 * command from the blob when every check of {@link blobChecks} passes, else
 * returns and the kernelspec `exec`s `"$@"` as it is (main.ts). Written by
 * snapshot-build.ts with the blob: the shell form of {@link snapshotArgv}.
 */
export function startScript(files: SnapshotFiles, info: BlobInfo): string {
  const checks = blobChecks(files, info).map((c) => `  ${shellLine(c)}`);
  return [
    "# The cdlab kernel's start from its snapshot. Generated by kernel/snapshot-build.ts from kernel.blob.json with",
    "# src/jupyter/kernel-snapshot.ts's blobChecks: do not edit. Sourced by the kernelspec's command, \"$@\" being",
    "# [node, ...node flags, .../main.js, ...args]: execs it from the blob, or returns when the blob cannot be used.",
    "cdlab_from_blob() {",
    "  cdlab_node=$1; cdlab_flags=; cdlab_main=; shift",
    "  for cdlab_f; do case $cdlab_f in -*) cdlab_flags=\"$cdlab_flags $cdlab_f\" ;; *) cdlab_main=$cdlab_f; break ;; esac; done",
    '  [ "${cdlab_main##*/}" = main.js ] || return 0',
    '  cdlab_dir=$(CDPATH= cd -P -- "${cdlab_main%/*}" 2>/dev/null && pwd -P) || return 0',
    "  set -f",
    ...checks,
    "  for cdlab_f; do case $cdlab_f in -*) shift ;; *) break ;; esac; done",
    ...Object.entries(START_ENV).map(([k, v]) => `  [ -n "\${${k}-}" ] || export ${k}=${quote(v)} ${START_ENV_MARK}=1`),
    `  exec "$cdlab_node" --snapshot-blob ${quote(files.blob)}${(info.v8Flags ?? []).map((f) => ` ${quote(f)}`).join("")} $cdlab_flags -- "$@"`,
    "}",
    'cdlab_from_blob "$@"',
    "",
  ].join("\n");
}

/**
 * The kernelspec's command for the kernel command `argv` (node form): a shell
 * that sources `startFile` if it is there (it `exec`s the kernel from the
 * blob when it can) and otherwise `exec`s `argv`. Either way the process
 * Jupyter started is the kernel: no launcher in between.
 */
export function shellCommand(startFile: string, argv: readonly string[]): string[] {
  return ["/bin/sh", "-c", '[ -r "$0" ] && . "$0"; exec "$@"', startFile, ...argv];
}

/** The node form of a kernelspec command (undoes {@link shellCommand}; a node form is returned as it is). */
export function nodeCommand(argv: readonly string[]): string[] {
  return argv[1] === "-c" && path.basename(argv[0]).endsWith("sh") ? argv.slice(4) : [...argv];
}

/** Read a blob's description (undefined: none, or unreadable). */
export function readBlobInfo(files: SnapshotFiles): BlobInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(files.info, "utf8")) as BlobInfo;
  } catch {
    return undefined;
  }
}

/**
 * Why a kernel started by Node `node` with Node flags `flags` in environment
 * `env` cannot use the snapshot of `files` (undefined: it can): the first
 * failing check of {@link blobChecks} — turned off, V8 flags it was not built
 * with (V8 refuses such a blob: "Failed to load the startup snapshot"),
 * missing, built by another Node binary (or this one changed since), for
 * another folder, or from another snapshot.js.
 */
export function snapshotProblem(files: SnapshotFiles, flags: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env, node = process.execPath): string | undefined {
  return problemOf(files, readBlobInfo(files), flags, env, node);
}

function problemOf(files: SnapshotFiles, info: BlobInfo | undefined, flags: readonly string[], env: NodeJS.ProcessEnv, node: string): string | undefined {
  const start: Start = { node, flags, kernelDir: files.kernelDir, env };
  for (const check of blobChecks(files, info)) {
    const why = failure(check, start);
    if (why !== undefined) return why;
  }
  return info ? undefined : "no snapshot built";
}

/**
 * The command line that runs the kernel command `argv` (`[node, ...node flags,
 * …/kernel/main.js, ...args]`, as the kernelspec has it) from its folder's
 * snapshot, or undefined when that snapshot cannot be used
 * ({@link snapshotProblem}); `env` is the kernel's environment.
 */
export function snapshotArgv(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const at = argv.findIndex((a, i) => i > 0 && !a.startsWith("-"));
  if (at < 0 || path.basename(argv[at]) !== "main.js") return undefined;
  const files = snapshotFiles(path.dirname(argv[at]));
  const flags = argv.slice(1, at);
  const info = readBlobInfo(files);
  if (problemOf(files, info, flags, env, argv[0]) !== undefined) return undefined;
  return [argv[0], "--snapshot-blob", files.blob, ...(info?.v8Flags ?? []), ...flags, "--", ...argv.slice(at)];
}
