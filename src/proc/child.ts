/**
 * Child processes started by cdlab helpers, execa-style: every child has a
 * `timeout` and a `killSignal`, escalates to SIGKILL when the signal is not
 * enough, dies with its parent, is registered with the kernel's resource
 * registry (interrupting its cell sends SIGINT, like Ctrl-C), and reports
 * `exitCode`, `signal` and `timedOut`.
 *
 * @example
 * ```ts
 * const r = await run("sort", [], { input: "b\na\n" });
 * r.stdout; // "a\nb\n"
 * ```
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { throwIfAborted } from "../runtime/abort";
import { killDescendantsOnExit } from "./tree";

/** Options of {@link startChild} and {@link run}. */
export interface ChildOptions {
  /** Arguments passed after the command's name. @default [] */
  args?: string[];
  /** Where each of fds 0, 1, 2 (and 3…) goes: "pipe", "ignore", "inherit", "ipc" or an fd. @default ["pipe","pipe","pipe"] */
  stdio?: StdioOptions;
  /** Environment of the child. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Working directory. @default process.cwd() */
  cwd?: string;
  /** Stop the child after this many ms (0 = never). @default 10000 */
  timeout?: number;
  /** Signal sent on timeout, abort and close. @default "SIGTERM" */
  killSignal?: NodeJS.Signals;
  /** Then SIGKILL after this many ms if the child is still alive. @default 2000 */
  forceKillAfterDelay?: number;
  /** Aborting it stops the child like a timeout. */
  signal?: AbortSignal;
  /** A label for the registry (shown by `resources()`). @default the command line */
  label?: string;
}

/** How a child ended. */
export interface ChildResult {
  /** The command line, for messages. */
  command: string;
  pid: number;
  /** Exit status, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  /** True when cdlab stopped it because `timeout` elapsed. */
  timedOut: boolean;
}

/** A running child: {@link Handle} plus its PID and how it ends. */
export interface ChildHandle extends Handle {
  readonly pid: number;
  /** Node's ChildProcess (its stdin/stdout streams when stdio is "pipe"). */
  readonly child: ChildProcess;
  /** Resolves when the child has exited (never rejects). */
  readonly result: Promise<ChildResult>;
  /** Send a signal (default SIGTERM); false when it is already gone. */
  kill(signal?: NodeJS.Signals): boolean;
}

/**
 * Set on a ChildProcess that a {@link startChild} handle owns (shared by every copy of this module), so that
 * the kernel, which registers every other child process it sees, does not register it a second time.
 */
export const OWNED_BY_HANDLE: unique symbol = Symbol.for("cdlab.child.ownedByHandle");

/**
 * Is this child process still running: it has neither exited with a code nor been ended by a signal? Once it is
 * not, Node has reaped it and its pid may already be another process's, so never signal that pid again.
 *
 * @param child a child from `spawn` (or a handle's `child`)
 * @returns false once the child exited or was killed by a signal
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { isRunning } from "cdlab/proc";
 * const sleeper = spawn("sleep", ["30"]);
 * if (isRunning(sleeper)) sleeper.kill();
 * ```
 */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Validate the options shared by every child helper (synchronously).
 * @returns nothing; throws `ERR_INVALID_ARG` naming the bad option
 * @example
 * ```ts
 * checkChildOptions({ timeout: 1000, killSignal: "SIGINT" });
 * ```
 */
export function checkChildOptions(o: ChildOptions): void {
  if (o.timeout !== undefined && (!Number.isFinite(o.timeout) || o.timeout < 0)) invalidArg("timeout", o.timeout, "deve ser um número de ms ≥ 0");
  if (o.forceKillAfterDelay !== undefined && (!Number.isFinite(o.forceKillAfterDelay) || o.forceKillAfterDelay < 0))
    invalidArg("forceKillAfterDelay", o.forceKillAfterDelay, "deve ser um número de ms ≥ 0");
  if (o.killSignal !== undefined && (typeof o.killSignal !== "string" || !/^SIG[A-Z0-9]+$/.test(o.killSignal)))
    invalidArg("killSignal", o.killSignal, 'deve ser o nome de um sinal, como "SIGTERM"');
  if (o.args !== undefined && (!Array.isArray(o.args) || o.args.some((a) => typeof a !== "string")))
    invalidArg("args", o.args, "deve ser um array de textos");
}

/**
 * Start `command` as a child process and wait until it is running.
 *
 * @param command program name (searched in PATH) or path
 * @param options arguments, stdio, timeout, killSignal…
 * @returns a handle: `pid`, `child`, `result`, `kill()`, `close()`
 * @throws CdlabError `ENOENT` when the command is not found, `ERR_INVALID_ARG` on a bad option
 * @example
 * ```ts
 * const sleeper = await startChild("sleep", { args: ["30"] });
 * sleeper.pid;
 * await sleeper.close(); // SIGTERM, then SIGKILL after 2 s
 * ```
 */
export async function startChild(command: string, options: ChildOptions = {}): Promise<ChildHandle> {
  if (typeof command !== "string" || command === "") invalidArg("command", command, "deve ser um texto não vazio");
  checkChildOptions(options);
  const { args = [], stdio = "pipe", env, cwd, timeout = 10000, killSignal = "SIGTERM", forceKillAfterDelay = 2000, signal } = options;
  throwIfAborted(signal);
  const shown = [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio, env, cwd });
    (child as ChildProcess & { [OWNED_BY_HANDLE]?: true })[OWNED_BY_HANDLE] = true;
  } catch (e) {
    throw systemError(`Não foi possível executar "${command}"`, e);
  }
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") reject(new CdlabError("ENOENT", `Não foi possível executar "${command}": comando não encontrado`, { cause: e }));
      else reject(systemError(`Não foi possível executar "${command}"`, e));
    });
  });
  child.on("error", () => {
    /* kill() on a dead child; the result still comes from "exit" */
  });
  const pid = child.pid!;
  // When this process (the kernel, a script) exits, its children go with it.
  killDescendantsOnExit();

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (sig: NodeJS.Signals) => {
    if (!isRunning(child)) return;
    child.kill(sig);
    if (sig !== "SIGKILL" && !killTimer) {
      killTimer = setTimeout(() => child.kill("SIGKILL"), forceKillAfterDelay);
      killTimer.unref();
    }
  };
  const timer = timeout > 0 ? setTimeout(() => ((timedOut = true), stop(killSignal)), timeout) : undefined;
  timer?.unref();
  const onAbort = () => stop(killSignal);
  signal?.addEventListener("abort", onAbort, { once: true });

  // Output nobody reads must not keep "close" from coming.
  child.once("exit", () =>
    setImmediate(() => {
      for (const s of [child.stdout, child.stderr]) if (s && s.readableFlowing === null) s.resume();
    }),
  );
  const result = new Promise<ChildResult>((resolve) => {
    // "close" waits for the stdio streams too, so captured output is complete.
    child.once("close", (code, sig) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener("abort", onAbort);
      resolve({ command: shown, pid, exitCode: code, signal: sig, timedOut });
    });
  });

  const handle: ChildHandle = makeHandle(
    {
      pid,
      child,
      result,
      kill: (sig: NodeJS.Signals = "SIGTERM") => {
        try {
          return child.kill(sig);
        } catch {
          return false;
        }
      },
    },
    {
      kind: "child-process",
      label: options.label ?? `${shown} (PID ${pid})`,
      interrupt: () => child.kill("SIGINT"),
      ended: result,
      release: async () => {
        stop(killSignal);
        await result;
      },
    },
  );
  return handle;
}

/** What {@link run} returns: the result plus the captured output. */
export interface RunResult extends ChildResult {
  stdout: string;
  stderr: string;
}

/**
 * Run a command to completion, feeding `input` to its stdin and capturing
 * stdout and stderr. A non-zero exit is reported, not thrown.
 *
 * @param command program name or path
 * @param args its arguments @default []
 * @param options `input` plus {@link ChildOptions} (timeout 10000 ms…)
 * @returns exitCode, signal, timedOut, stdout, stderr
 * @throws CdlabError `ENOENT` when the command is not found
 * @example
 * ```ts
 * (await run("sort", [], { input: "b\na\n" })).stdout; // "a\nb\n"
 * ```
 */
export async function run(
  command: string,
  args: string[] = [],
  options: Omit<ChildOptions, "args" | "stdio"> & { input?: string | Buffer } = {},
): Promise<RunResult> {
  const h = await startChild(command, { ...options, args, stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  h.child.stdout!.on("data", (b: Buffer) => out.push(b));
  h.child.stderr!.on("data", (b: Buffer) => err.push(b));
  h.child.stdin!.on("error", () => {
    /* the child did not read all of its input */
  });
  h.child.stdin!.end(options.input ?? "");
  const r = await h.result;
  throwIfAborted(options.signal);
  return { ...r, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/**
 * Start a small Node program given as source text (`node -e code`), for a
 * student's own cells. cdlab's own child programs are entry files started with
 * `startProgram` (./program.ts).
 *
 * @param code JavaScript run by the child
 * @param options {@link ChildOptions}; `args` become `process.argv.slice(1)`
 * @returns the child's handle
 * @example
 * ```ts
 * const c = await startNode("console.log(process.ppid)");
 * ```
 */
export function startNode(code: string, options: ChildOptions = {}): Promise<ChildHandle> {
  return startChild(process.execPath, { label: `node -e … (${code.length} chars)`, ...options, args: ["-e", code, ...(options.args ?? [])] });
}

/**
 * Collect a child's stdout (when it is "pipe") as text.
 * @returns everything the child wrote to stdout, once it has exited
 * @example
 * ```ts
 * const c = await startNode("console.log(process.pid)");
 * await collectStdout(c); // "4242\n"
 * ```
 */
export function collectStdout(h: ChildHandle): Promise<string> {
  const out: Buffer[] = [];
  h.child.stdout?.on("data", (b: Buffer) => out.push(b));
  return h.result.then(() => Buffer.concat(out).toString());
}
