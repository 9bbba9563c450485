/**
 * The lecture's pipe programs and the pipe semantics, each as one call that
 * runs real processes joined by real pipes and returns what happened.
 *
 * @example
 * ```ts
 * await pipeToChild("hello world\n"); // { childPid, received: "hello world\n", … }
 * ```
 */
import fs from "node:fs";
import { startChild, startNode, collectStdout, type ChildHandle } from "../proc/child";
import { sleepState } from "../proc/attributes";
import { CdlabError } from "../errors";
import { pipe } from "./pipe";

/** Child: ONE read(0) — like the lecture's `read(d[0], line, MAX_LINE)` — then report it as JSON. */
export const READ_ONCE = `const fs = require("fs");
const buf = Buffer.alloc(4096);
const n = fs.readSync(0, buf, 0, buf.length, null); // blocks until data (or EOF: 0)
fs.writeSync(1, JSON.stringify({ pid: process.pid, ppid: process.ppid, fd0: fs.readlinkSync("/proc/self/fd/0"), bytes: n, text: buf.toString("utf8", 0, n) }));`;

/** Child: read(0) until EOF, then report how many reads and bytes. */
export const READ_TO_EOF = `const fs = require("fs");
const buf = Buffer.alloc(65536); let reads = 0, bytes = 0, n;
while ((n = fs.readSync(0, buf, 0, buf.length, null)) > 0) { reads++; bytes += n; }
fs.writeSync(1, JSON.stringify({ pid: process.pid, reads, bytes, eof: true }));`;

/** Child: answer each line read on fd 0 with its upper-case form on fd 1. */
export const UPPER_SERVER = `const fs = require("fs");
const buf = Buffer.alloc(4096); let rest = "", n;
while ((n = fs.readSync(0, buf, 0, buf.length, null)) > 0) {
  rest += buf.toString("utf8", 0, n);
  let i;
  while ((i = rest.indexOf("\\n")) >= 0) { fs.writeSync(1, process.pid + ": " + rest.slice(0, i).toUpperCase() + "\\n"); rest = rest.slice(i + 1); }
}`;

/** Child: one blocking write(1) of N zero bytes (argv[1]). */
export const WRITE_BYTES = `require("fs").writeSync(1, Buffer.alloc(Number(process.argv[1])));`;

/**
 * Wait until `pid` sleeps in a kernel function ending in `wchan` ("pipe_read" matches "anon_pipe_read"); returns the state seen.
 * @returns the state and wait channel seen
 * @throws CdlabError `ETIMEDOUT` when it does not block in time
 * @example
 * ```ts
 * await waitUntilSleeping(reader.pid, "pipe_read"); // { state: "S", wchan: "anon_pipe_read" }
 * ```
 */
export async function waitUntilSleeping(pid: number, wchan: string, timeoutMs = 5000): Promise<{ state: string; wchan: string }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = sleepState(pid);
    if (s.wchan.endsWith(wchan) || (s.wchan === "?" && s.state === "S")) return s;
    if (Date.now() > end) throw new CdlabError("ETIMEDOUT", `Process ${pid} did not block in ${wchan}: it is ${s.state} in ${s.wchan}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kill and reap every child (best effort), for finally blocks. */
async function closeAll(children: (ChildHandle | undefined)[]): Promise<void> {
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
  const p = await pipe();
  let child: ChildHandle | undefined;
  try {
    child = await startNode(READ_ONCE, { stdio: [p.readFd!, "pipe", "inherit"] });
    const out = collectStdout(child);
    p.closeRead(); // close(d[0]) in the parent
    await p.write(message); // write(d[1], "hello world\n")
    p.closeWrite();
    const r = JSON.parse(await out);
    return { parentPid: process.pid, childPid: r.pid as number, childPpid: r.ppid as number, pipe: p.id, childStdin: r.fd0 as string, bytes: r.bytes as number, received: r.text as string };
  } finally {
    await closeAll([child]);
    await p.close();
  }
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
  const toChild = await pipe();
  const toParent = await pipe();
  let child: ChildHandle | undefined;
  try {
    child = await startNode(UPPER_SERVER, { stdio: [toChild.readFd!, toParent.writeFd!, "inherit"] });
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
    await closeAll([child]);
    await toChild.close();
    await toParent.close();
  }
}

/**
 * Show that `read` blocks until data arrives: the child reads an empty pipe and
 * sleeps in the kernel (`pipe_read`) until the parent writes.
 *
 * @returns the child's state while it waited and what it finally read
 * @example
 * ```ts
 * const r = await demoReadBlocks();
 * r.whileWaiting; // { state: "S", wchan: "anon_pipe_read" }
 * ```
 */
export async function demoReadBlocks(message = "chegou!\n") {
  const p = await pipe();
  let child: ChildHandle | undefined;
  try {
    child = await startNode(READ_ONCE, { stdio: [p.readFd!, "pipe", "inherit"] });
    const out = collectStdout(child);
    p.closeRead();
    const whileWaiting = await waitUntilSleeping(child.pid, "pipe_read");
    await p.write(message);
    const r = JSON.parse(await out);
    return { childPid: child.pid, whileWaiting, received: r.text as string };
  } finally {
    await closeAll([child]);
    await p.close();
  }
}

/**
 * Show that EOF comes only when EVERY writer has closed: a second child holds
 * a copy of the write end, so the reader keeps waiting after the parent closes
 * its own; when that child ends, the reader gets EOF (read returns 0).
 *
 * @returns the steps with the reader's state at each
 * @example
 * ```ts
 * table((await demoEof()).steps);
 * ```
 */
export async function demoEof() {
  const p = await pipe();
  let reader: ChildHandle | undefined;
  let holder: ChildHandle | undefined;
  try {
    reader = await startNode(READ_TO_EOF, { stdio: [p.readFd!, "pipe", "inherit"] });
    const out = collectStdout(reader);
    holder = await startChild("sleep", { args: ["30"], stdio: ["ignore", p.writeFd!, "ignore"] });
    p.closeRead();
    await p.write("dados\n");
    p.closeWrite();
    const steps: { passo: string; leitor: string }[] = [];
    const s1 = await waitUntilSleeping(reader.pid, "pipe_read");
    steps.push({ passo: `pai fechou sua ponta de escrita; "sleep" (PID ${holder.pid}) ainda tem uma cópia`, leitor: `${s1.state} em ${s1.wchan} (sem EOF)` });
    await holder.close();
    const r = JSON.parse(await out);
    steps.push({ passo: `"sleep" terminou: nenhum escritor resta`, leitor: `EOF após ${r.reads} leitura(s), ${r.bytes} bytes` });
    return { readerPid: reader.pid, holderPid: holder.pid, steps };
  } finally {
    await closeAll([reader, holder]);
    await p.close();
  }
}

/**
 * Writing with no reader: Node (which ignores SIGPIPE) gets the error EPIPE;
 * a C program such as `yes` is killed by the signal SIGPIPE.
 *
 * @returns the parent's error code and how `yes` ended
 * @example
 * ```ts
 * const r = await demoEpipe();
 * r.parentError; r.yes.signal; // "EPIPE: …", "SIGPIPE"
 * ```
 */
export async function demoEpipe() {
  const p = await pipe();
  let yes: ChildHandle | undefined;
  try {
    await p.write("primeira escrita: há um leitor\n");
    p.closeRead(); // the only reader is gone
    yes = await startChild("yes", { stdio: ["ignore", p.writeFd!, "ignore"] });
    let parentError = "";
    try {
      await p.write("segunda escrita");
    } catch (e) {
      parentError = `${(e as CdlabError).code}: ${(e as Error).message}`;
    }
    const r = await yes.result;
    return { parentError, yes: { pid: r.pid, exitCode: r.exitCode, signal: r.signal } };
  } finally {
    await closeAll([yes]);
    await p.close();
  }
}

/**
 * A full pipe blocks the writer: a child writes more than the pipe holds in
 * one `write`; it sleeps in `pipe_write` until the parent reads.
 *
 * @param bytes how much the child writes @default 200000
 * @returns the writer's state while blocked and how much the parent read
 * @example
 * ```ts
 * (await demoFullPipe(200000)).whileBlocked; // { state: "S", wchan: "anon_pipe_write" }
 * ```
 */
export async function demoFullPipe(bytes = 200000) {
  const p = await pipe();
  let writer: ChildHandle | undefined;
  try {
    writer = await startNode(WRITE_BYTES, { args: [String(bytes)], stdio: ["ignore", p.writeFd!, "inherit"] });
    p.closeWrite();
    const whileBlocked = await waitUntilSleeping(writer.pid, "pipe_write");
    const received = (await p.readAll()).length;
    const r = await writer.result;
    return { writerPid: writer.pid, whileBlocked, received, writerExit: r.exitCode };
  } finally {
    await closeAll([writer]);
    await p.close();
  }
}

/**
 * A pipe is a byte stream: two writes made before the reader reads come out
 * of ONE read, with no boundary between them.
 *
 * @param writes the separate writes @default ["abc","def"]
 * @returns the writes and what the single read returned
 * @example
 * ```ts
 * (await demoByteStream(["abc", "def"])).oneRead; // "abcdef"
 * ```
 */
export async function demoByteStream(writes: string[] = ["abc", "def"]) {
  const p = await pipe();
  let child: ChildHandle | undefined;
  try {
    for (const w of writes) await p.write(w);
    child = await startNode(READ_ONCE, { stdio: [p.readFd!, "pipe", "inherit"] });
    const out = collectStdout(child);
    p.closeRead();
    const r = JSON.parse(await out);
    return { writes, oneRead: r.text as string, bytes: r.bytes as number };
  } finally {
    await closeAll([child]);
    await p.close();
  }
}

/**
 * How many fds of this process point to `pipeId` (0 after cleanup).
 * @param pipeId the pipe, as `pipe:[inode]`
 * @param pid the process @default process.pid
 * @returns how many of its fds point to that pipe
 * @example
 * ```ts
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
