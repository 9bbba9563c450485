/**
 * The semantics of a pipe students must see happen, each one call that runs
 * real processes and returns what the kernel did: read blocks until data; EOF
 * only when every writer has closed; writing with no reader gives EPIPE (or
 * SIGPIPE); a full pipe blocks the writer; a pipe is a byte stream.
 *
 * @example
 * ```ts
 * (await demoByteStream(["abc", "def"])).oneRead; // "abcdef"
 * ```
 */
import { startChild, collectStdout, type ChildHandle } from "../../proc/child";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { pipe } from "../../ipc/pipe";
import { program, waitUntilSleeping, closeChildren, checkText, withReadOnceChild } from "./pipe-demos";

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
  checkText("message", message);
  const { report, value: whileWaiting, child } = await withReadOnceChild(async (p, c) => {
    const state = await waitUntilSleeping(c.pid, "pipe_read");
    await p.write(message);
    return state;
  });
  return { childPid: child, whileWaiting, received: report.text };
}

/**
 * Show that EOF comes only when EVERY writer has closed: a second child holds
 * a copy of the write end, so the reader keeps waiting after the parent closes
 * its own; when that child ends, the reader gets EOF (read returns 0).
 *
 * @returns the steps with the reader's state at each
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { demoEof } from "./pipe-semantics";
 * table((await demoEof()).steps);
 * ```
 */
export async function demoEof() {
  const p = await pipe();
  let reader: ChildHandle | undefined;
  let holder: ChildHandle | undefined;
  try {
    reader = await program("read-to-eof", { stdio: [p.readFd!, "pipe", "inherit"] });
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
    await closeChildren([reader, holder]);
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
    await closeChildren([yes]);
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
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64 * 1024 * 1024) invalidArg("bytes", bytes, "esperado um inteiro de 1 a 67108864");
  const p = await pipe();
  let writer: ChildHandle | undefined;
  try {
    writer = await program("write-bytes", { args: [String(bytes)], stdio: ["ignore", p.writeFd!, "inherit"] });
    p.closeWrite();
    const whileBlocked = await waitUntilSleeping(writer.pid, "pipe_write");
    const received = (await p.readAll()).length;
    const r = await writer.result;
    return { writerPid: writer.pid, whileBlocked, received, writerExit: r.exitCode };
  } finally {
    await closeChildren([writer]);
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
  if (!Array.isArray(writes) || writes.length === 0) invalidArg("writes", writes, "esperada uma lista de textos, não vazia");
  writes.forEach((w, i) => checkText(`writes[${i}]`, w));
  checkText("writes", writes.join(""));
  const { report } = await withReadOnceChild(
    async () => undefined,
    async (p) => {
      for (const w of writes) await p.write(w);
    },
  );
  return { writes, oneRead: report.text, bytes: report.bytes };
}
