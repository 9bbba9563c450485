/**
 * The lecture's pipe programs — parent → child, and two pipes both ways — each
 * one call that runs real processes joined by real pipes and returns what
 * happened. The child programs the demonstrations run are the small entry
 * files beside this one (read-once-main.ts, read-to-eof-main.ts,
 * upper-server-main.ts, write-bytes-main.ts), started with {@link program}.
 *
 * @example
 * ```ts
 * await pipeToChild("hello world\n"); // { childPid, received: "hello world\n", … }
 * ```
 */
import fs from "node:fs";
import { collectStdout, type ChildHandle } from "../../proc/child";
import { entryFile, startProgram } from "../../proc/program";
import { sleepState } from "../../proc/attributes";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { pipe, type Pipe } from "../../ipc/pipe";

/** The demonstrations' child programs, each an entry file beside this module. */
export type PipeProgram = "read-once" | "read-to-eof" | "upper-server" | "write-bytes";

/**
 * Start one of the demonstrations' child programs (`<name>-main.ts` beside this file).
 *
 * @param name which program
 * @param options stdio, args… as for `startChild`
 * @returns the child's handle
 * @example
 * ```ts
 * const reader = await program("read-to-eof", { stdio: ["pipe", "pipe", "inherit"] });
 * ```
 */
export function program(name: PipeProgram, options: Parameters<typeof startProgram>[1] = {}): Promise<ChildHandle> {
  return startProgram(entryFile(__dirname, `${name}-main`), options);
}

/** What a read-once child (read-once-main.ts: ONE read(0), like the lecture's `read(d[0], line, MAX_LINE)`) reports about its one read. */
export interface ReadOnceReport {
  pid: number;
  ppid: number;
  /** What the child's fd 0 points to, e.g. "pipe:[123]". */
  fd0: string;
  bytes: number;
  text: string;
}

/**
 * The lecture's parent→child pipe: start a read-once child on the read
 * end of a new pipe, close the parent's copy of the read end, let `parent`
 * write (and observe), and return what the child's one read got. The pipe and
 * the child are released in every case.
 *
 * @param parent what the parent does once the child runs: its writes
 * @param before writes made before the child exists (they wait in the pipe)
 * @returns the child's report, the parent's result and the pipe's id
 */
export async function withReadOnceChild<T>(
  parent: (p: Pipe, child: ChildHandle) => Promise<T>,
  before?: (p: Pipe) => Promise<void>,
): Promise<{ report: ReadOnceReport; value: T; pipe: string; child: number }> {
  const p = await pipe();
  let child: ChildHandle | undefined;
  try {
    await before?.(p);
    child = await program("read-once", { stdio: [p.readFd!, "pipe", "inherit"] });
    const out = collectStdout(child);
    p.closeRead(); // close(d[0]) in the parent
    const value = await parent(p, child);
    return { report: JSON.parse(await out) as ReadOnceReport, value, pipe: p.id, child: child.pid };
  } finally {
    await closeChildren([child]);
    await p.close();
  }
}

/**
 * Wait until `pid` sleeps in a kernel function ending in `wchan` ("pipe_read" matches "anon_pipe_read"); returns the state seen.
 * @returns the state and wait channel seen
 * @throws CdlabError `ETIMEDOUT` when it does not block in time
 * @example
 * ```ts
 * declare const reader: { pid: number }; // a child blocked reading a pipe
 * await waitUntilSleeping(reader.pid, "pipe_read"); // { state: "S", wchan: "anon_pipe_read" }
 * ```
 */
export async function waitUntilSleeping(pid: number, wchan: string, timeoutMs = 5000): Promise<{ state: string; wchan: string }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = sleepState(pid);
    if (s.wchan.endsWith(wchan) || (s.wchan === "?" && s.state === "S")) return s;
    if (Date.now() > end) throw new CdlabError("ETIMEDOUT", `O processo ${pid} não bloqueou em ${wchan}: está ${s.state} em ${s.wchan}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Validate a text a demonstration writes: a string of 1 to 4096 bytes (one read of the child gets it all).
 *
 * @param option the option's name, for the message
 * @param text the value
 * @returns nothing; throws `ERR_INVALID_ARG` naming the option
 * @example
 * ```ts
 * checkText("message", "hello world\n");
 * ```
 */
export function checkText(option: string, text: unknown): void {
  if (typeof text !== "string" || text.length === 0 || Buffer.byteLength(text) > 4096) invalidArg(option, text, "esperado um texto de 1 a 4096 bytes");
}

/** Kill and reap every child (best effort), for finally blocks. */
export async function closeChildren(children: (ChildHandle | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.close()));
}

/**
 * The lecture's "Pai → Filho": the parent creates a pipe, starts a child with
 * the read end as its stdin, closes its own read end, writes the message and
 * closes the write end; the child does one `read` and reports it.
 *
 * @param message what the parent writes @default "hello world\n"
 * @returns the PIDs, the pipe's id, and what the child read
 * @example
 * ```ts
 * await pipeToChild(); // { parentPid, childPid, childPpid, pipe: "pipe:[…]", received: "hello world\n" }
 * ```
 */
export async function pipeToChild(message = "hello world\n") {
  checkText("message", message);
  const { report: r, pipe: id } = await withReadOnceChild(async (p) => {
    await p.write(message); // write(d[1], "hello world\n")
    p.closeWrite();
  });
  return { parentPid: process.pid, childPid: r.pid, childPpid: r.ppid, pipe: id, childStdin: r.fd0, bytes: r.bytes, received: r.text };
}

/**
 * Two-way conversation with a child through two pipes (one each way): the
 * child answers each line in upper case.
 *
 * @param lines lines the parent sends @default ["ping","hello world"]
 * @returns one row per exchange, plus both pipes' ids
 * @example
 * ```ts
 * await twoWayPipes(["oi"]); // { exchanges: [{ sent: "oi", received: "4242: OI" }], … }
 * ```
 */
export async function twoWayPipes(lines: string[] = ["ping", "hello world"]) {
  if (!Array.isArray(lines) || lines.some((l) => typeof l !== "string" || l.includes("\n")))
    invalidArg("lines", lines, "esperada uma lista de textos sem quebras de linha");
  const toChild = await pipe();
  const toParent = await pipe();
  let child: ChildHandle | undefined;
  try {
    child = await program("upper-server", { stdio: [toChild.readFd!, toParent.writeFd!, "inherit"] });
    toChild.closeRead();
    toParent.closeWrite();
    const exchanges: { sent: string; received: string }[] = [];
    let pending = "";
    for (const line of lines) {
      await toChild.write(line + "\n");
      while (!pending.includes("\n")) {
        const b = await toParent.read();
        if (b === null) break;
        pending += b;
      }
      const i = pending.indexOf("\n");
      exchanges.push({ sent: line, received: pending.slice(0, i) });
      pending = pending.slice(i + 1);
    }
    toChild.closeWrite(); // EOF: the child's loop ends
    await child.result;
    return { childPid: child.pid, parentToChild: toChild.id, childToParent: toParent.id, exchanges };
  } finally {
    await closeChildren([child]);
    await toChild.close();
    await toParent.close();
  }
}

/**
 * How many fds of this process point to `pipeId` (0 after cleanup).
 * @param pipeId the pipe, as `pipe:[inode]`
 * @param pid the process @default process.pid
 * @returns how many of its fds point to that pipe
 * @example
 * ```ts
 * import { pipe } from "cdlab/ipc";
 * import { openEnds } from "./pipe-demos";
 * const p = await pipe();
 * openEnds(p.id); // 2 while both ends are open here
 * ```
 */
export function openEnds(pipeId: string, pid: number = process.pid): number {
  return fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === pipeId;
    } catch {
      return false;
    }
  }).length;
}
