/**
 * Can the cdlab kernel start from its startup snapshot (kernel/snapshot.ts,
 * built by kernel/snapshot-build.ts), and with which command line?
 *
 * Two callers ask: kernel/main.ts, started by Jupyter, which then runs the
 * kernel from the blob in a child process; and the grader's sandbox, which puts
 * the blob on the kernel's own command line, so that no launcher process
 * stands between the sandbox and the kernel (a cell that kills its parent then
 * hits the sandbox's init, which it cannot kill, instead of its own kernel).
 *
 * Only Node's built-in modules: main.ts loads this before choosing.
 *
 * @example
 * snapshotArgv([process.execPath, "/p/dist/kernel/main.js", "--connection-file", "c.json"]);
 * // [node, "--snapshot-blob", "/p/dist/kernel/kernel.blob", "--", "/p/dist/kernel/main.js", "--connection-file", "c.json"]
 * // or undefined when the blob cannot be used (see snapshotProblem)
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
}

/** What a blob's description (`kernel.blob.json`) says: which Node built it, from which snapshot.js, for which folder. */
export interface BlobInfo {
  node: string;
  /** The SHA-256 of the snapshot.js the blob was built from (a rebuild of dist/ that changes nothing keeps the blob). */
  entry: string;
  /** typescript.js and the declaration files, as they were when parsed into the blob (snapshot-build.ts --if-stale compares them). */
  inputs: FileStamp[];
  /** The folder of the kernel's JavaScript the blob loads its modules from (an install copied elsewhere needs its own). */
  kernelDir?: string;
}

/** The files of a kernel folder's snapshot. */
export interface SnapshotFiles {
  /** The kernel folder, resolved (what a blob's `kernelDir` must say). */
  kernelDir: string;
  blob: string;
  info: string;
  /** The snapshot.js the blob must have been built from. */
  entry: string;
}

/** The snapshot files of the kernel folder `kernelDir` (dist/kernel). */
export function snapshotFiles(kernelDir: string): SnapshotFiles {
  let real = kernelDir;
  try {
    real = fs.realpathSync(kernelDir);
  } catch {
    /* kept as given */
  }
  return { kernelDir: real, blob: path.join(kernelDir, "kernel.blob"), info: path.join(kernelDir, "kernel.blob.json"), entry: path.join(kernelDir, "snapshot.js") };
}

/** Node flags that do not change V8's configuration, so a snapshot built without them still loads. */
const SAFE_FLAGS = new Set(["--no-force-async-hooks-checks", "--no-warnings", "--enable-source-maps", "--trace-uncaught"]);

/** The SHA-256 of snapshot.js's JavaScript. */
export function entryHash(entry: string): string {
  return createHash("sha256").update(fs.readFileSync(entry)).digest("hex");
}

/**
 * Why a kernel started with Node flags `flags` in environment `env` cannot
 * use the snapshot of `files` (undefined: it can): turned off, V8 flags it was
 * not built with (V8 refuses such a blob: "Failed to load the startup
 * snapshot"), missing, built by another Node version, for another folder, or
 * from another snapshot.js.
 */
export function snapshotProblem(files: SnapshotFiles, flags: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[DISABLE_ENV] === "0") return `${DISABLE_ENV}=0`;
  const foreign = [...flags, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].filter(Boolean).find((f) => !SAFE_FLAGS.has(f.split("=")[0]));
  if (foreign) return `started with ${foreign} (a snapshot needs the V8 flags it was built with)`;
  let described: BlobInfo;
  try {
    described = JSON.parse(fs.readFileSync(files.info, "utf8")) as BlobInfo;
    fs.accessSync(files.blob, fs.constants.R_OK);
  } catch {
    return "no snapshot built";
  }
  if (described.node !== process.version) return `built by Node ${described.node}`;
  if (described.kernelDir !== files.kernelDir) return `built for ${described.kernelDir ?? "another folder"}`;
  try {
    if (described.entry !== entryHash(files.entry)) return "older than the kernel's build";
  } catch {
    return "older than the kernel's build";
  }
  return undefined;
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
  if (snapshotProblem(files, flags, env) !== undefined) return undefined;
  return [argv[0], "--snapshot-blob", files.blob, ...flags, "--", ...argv.slice(at)];
}
