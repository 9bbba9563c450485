/**
 * The one way cdlab starts a program of its own (a child process or a worker thread): a small entry file
 * named `<name>-main.ts` beside the module that uses it. tsconfig compiles it to `dist/` with the rest, so
 * the same call runs `…/name-main.js` from dist (the kernel, notebooks) and `…/name-main.ts` under tsx
 * when cdlab runs from source (tests), with tsx's require hook.
 *
 * Students' own child programs, written as source text in a cell, use `startNode(code)` instead.
 *
 * @example
 * ```ts
 * declare const fd: number; // the read end of a pipe
 * const child = await startProgram(entryFile(__dirname, "read-once-main"), { stdio: [fd, "pipe", "inherit"] });
 * ```
 */
import path from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { startChild, type ChildHandle, type ChildOptions } from "./child";

/** ".ts" when cdlab runs from source (under tsx), ".js" from dist: every module of one build shares it. */
const EXTENSION = path.extname(__filename);

/**
 * The entry file `name` in `dir`, in this build's extension.
 *
 * @param dir the folder of the entry file, usually the caller's `__dirname`
 * @param name the file's name without extension, e.g. `"read-once-main"`
 * @returns the absolute path of `name.ts` (from source) or `name.js` (from dist)
 * @example
 * ```ts
 * entryFile(__dirname, "race-process-main"); // ".../race-process-main.js"
 * ```
 */
export function entryFile(dir: string, name: string): string {
  return path.join(dir, name + EXTENSION);
}

/**
 * Node options a program needs to load `file`: tsx's require hook for a `.ts` file, none for a `.js` file.
 *
 * @param file the entry file
 * @returns the options to put before the file on node's command line (or in a worker's `execArgv`)
 * @example
 * ```ts
 * loaderArgs("/x/read-once-main.js"); // []
 * ```
 */
export function loaderArgs(file: string): string[] {
  return file.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs")] : [];
}

/**
 * Node's arguments to run `file` as a program: the loader options, then the file.
 *
 * @param file the entry file (see {@link entryFile})
 * @returns the arguments after `process.execPath`; the program's own arguments go after them
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { entryFile, programArgs } from "./program";
 * declare const port: number; // the coordinator's port
 * spawn(process.execPath, [...programArgs(entryFile(__dirname, "worker-main")), String(port)]);
 * ```
 */
export function programArgs(file: string): string[] {
  return [...loaderArgs(file), file];
}

/**
 * Start the entry file `file` as a child process (`node file …args`) with {@link startChild}: a handle
 * with a timeout, kill signal and escalation, registered with the kernel.
 *
 * @param file the entry file (see {@link entryFile})
 * @param options {@link ChildOptions}; `args` are the program's own arguments (`process.argv.slice(2)`)
 * @returns the child's handle
 * @example
 * ```ts
 * const c = await startProgram(entryFile(__dirname, "write-bytes-main"), { args: ["65536"] });
 * ```
 */
export function startProgram(file: string, options: ChildOptions = {}): Promise<ChildHandle> {
  return startChild(process.execPath, {
    label: `node ${path.basename(file)}`,
    ...options,
    args: [...programArgs(file), ...(options.args ?? [])],
  });
}

/**
 * Start the entry file `file` in a worker thread. From source it gets tsx's require hook; from dist it
 * inherits this process's Node options, as `new Worker(file)` does.
 *
 * @param file the entry file (see {@link entryFile})
 * @param options Node's worker options (`workerData`…)
 * @returns the worker
 * @example
 * ```ts
 * const w = startWorker(entryFile(__dirname, "tcp-connection-main"), { workerData: { cpuMs: 0 } });
 * ```
 */
export function startWorker(file: string, options: WorkerOptions = {}): Worker {
  const loader = loaderArgs(file);
  return new Worker(file, { ...options, execArgv: loader.length ? loader : options.execArgv });
}
