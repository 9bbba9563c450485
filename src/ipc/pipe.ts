/**
 * Real kernel pipes, `pipe(2)`, from Node. Node's own child stdio "pipes" are
 * UNIX-domain socket pairs, and Node has no `pipe()` call, so {@link pipe}
 * gets a genuine pipe from the native addon's `pipe2(O_CLOEXEC)`: this process
 * itself owns both ends. Where the addon cannot load (no build, or
 * `CDLAB_IPC_BACKEND=in-process`) a tiny helper process (perl, or python3
 * without perl; `CDLAB_PIPE_HELPER` picks one and forces this path) creates
 * it, this process opens both ends through `/proc/PID/fd/N`, and the helper
 * exits. `/proc/self/fd` then shows `pipe:[inode]`, exactly as for a C program.
 *
 * The ends are plain fds: pass them to children (`stdio: [p.readFd, …]`) and
 * close the ends you do not use, as the lecture's C program does.
 *
 * @example
 * ```ts
 * const p = await pipe();
 * await p.write("hello world\n");
 * (await p.read())?.toString(); // "hello world\n"
 * await p.close();
 * ```
 */
import fs from "node:fs";
import { spawn } from "node:child_process";
import { CdlabError, systemError } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { abortable, throwIfAborted } from "../runtime/abort";
import { getBackend } from "./native";
import { fdReader, fdWriter, interrupted, type FdReader, type FdWriter } from "./fd-stream";
import { onPath } from "../proc/on-path";
import { isRunning } from "../proc/child";

const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;

/** A kernel pipe: a read end and a write end. */
export interface Pipe extends Handle {
  /** The read end (null once closed in this process). */
  readonly readFd: number | null;
  /** The write end (null once closed in this process). */
  readonly writeFd: number | null;
  /** The pipe's identity as /proc shows it: `pipe:[inode]`. */
  readonly id: string;
  /** Close the read end in this process. */
  closeRead(): void;
  /** Close the write end in this process (the reader sees EOF once every writer has closed). */
  closeWrite(): void;
  /**
   * Write from this process without blocking the kernel's event loop.
   * @throws CdlabError `EPIPE` when no process has the read end open
   */
  write(data: string | Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  /** The bytes available now, waiting for some if there are none; null at EOF. */
  read(options?: { signal?: AbortSignal }): Promise<Buffer | null>;
  /** Everything until EOF. */
  readAll(options?: { signal?: AbortSignal }): Promise<Buffer>;
}

/** Programs that call pipe(2), print both fds and wait for stdin to close. */
const HOLDERS: Record<string, string[]> = {
  perl: ["-e", 'pipe(R, W) or die "pipe: $!"; $| = 1; print fileno(R), " ", fileno(W), "\\n"; <STDIN>;'],
  python3: ["-c", 'import os, sys; r, w = os.pipe(); print(r, w, flush=True); sys.stdin.read()'],
};

/** Which helper creates pipes: perl, else python3 (`CDLAB_PIPE_HELPER` chooses one). */
function holderCommand(): string {
  const forced = process.env.CDLAB_PIPE_HELPER;
  if (forced && HOLDERS[forced]) return forced;
  const found = Object.keys(HOLDERS).find((cmd) => onPath(cmd) !== undefined);
  if (!found) throw new CdlabError("ENOENT", "Não foi possível criar um pipe: nem perl nem python3 estão no PATH (um deles cria o pipe para o Node)");
  return found;
}

/**
 * Both ends of a new pipe, blocking and close-on-exec (as `fs.openSync` opens
 * files): from the addon's `pipe2(O_CLOEXEC)` when it is loaded, else from a
 * helper process. Not `O_NONBLOCK`: that flag belongs to the open file, which
 * children share when an end is their stdin or stdout; the event loop reads and
 * writes through its own non-blocking reopening (see `startReader`).
 */
async function openRealPipe(signal?: AbortSignal): Promise<[number, number]> {
  const native = process.env.CDLAB_PIPE_HELPER ? undefined : getBackend().pipe;
  if (!native) return openHelperPipe(signal);
  try {
    return native();
  } catch (e) {
    throw systemError("Não foi possível criar um pipe", e);
  }
}

/** Open both ends of a pipe created by a short-lived helper process. */
async function openHelperPipe(signal?: AbortSignal): Promise<[number, number]> {
  const cmd = holderCommand();
  const holder = spawn(cmd, HOLDERS[cmd], { stdio: ["pipe", "pipe", "ignore"] });
  try {
    const line = await abortable(
      new Promise<string>((resolve, reject) => {
        let text = "";
        holder.once("error", (e: NodeJS.ErrnoException) =>
          reject(e.code === "ENOENT" ? new CdlabError("ENOENT", `Não foi possível criar um pipe: ${cmd} não encontrado (ele cria o pipe para o Node)`) : systemError("Não foi possível criar um pipe", e)),
        );
        holder.stdout!.on("data", (b: Buffer) => {
          text += b;
          if (text.includes("\n")) resolve(text.trim());
        });
        holder.once("exit", () => reject(new CdlabError("ERR_PIPE", "Não foi possível criar um pipe: o processo auxiliar terminou")));
      }),
      signal,
      () => holder.kill("SIGKILL"),
    );
    const [r, w] = line.split(" ").map(Number);
    // The holder keeps both ends open, so neither open blocks.
    const rfd = fs.openSync(`/proc/${holder.pid}/fd/${r}`, O_RDONLY);
    const wfd = fs.openSync(`/proc/${holder.pid}/fd/${w}`, O_WRONLY);
    return [rfd, wfd];
  } finally {
    // The holder has its own copies of both ends: it must be gone before the
    // pipe is used, or it would count as a reader and a writer.
    if (holder.pid !== undefined && isRunning(holder)) {
      const gone = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await gone;
    }
  }
}

/**
 * Create a kernel pipe, like C's `pipe(d)`.
 *
 * @param options.signal abort the creation
 * @returns a {@link Pipe} handle; `close()` closes whichever ends are still open here
 * @throws CdlabError `EMFILE` when this process has no free fd; `ENOENT` when the addon is not loaded
 *   and neither perl nor python3 (the fallback pipe creators) is on PATH
 * @example
 * ```ts
 * const p = await pipe();
 * [p.readFd, p.writeFd, p.id]; // [23, 24, "pipe:[81234]"]
 * ```
 */
export async function pipe(options: { signal?: AbortSignal } = {}): Promise<Pipe> {
  throwIfAborted(options.signal);
  const fds = await openRealPipe(options.signal);
  let readFd: number | null = fds[0];
  let writeFd: number | null = fds[1];
  const id = fs.readlinkSync(`/proc/self/fd/${readFd}`);
  let reader: FdReader | undefined;
  let writer: FdWriter | undefined;

  // Reopen an end through /proc as a new, non-blocking open file of the same
  // pipe, so the event loop can wait on it; fds given to children stay blocking.
  const startReader = (): FdReader => {
    if (reader) return reader;
    if (readFd === null) throw new CdlabError("EBADF", `Não foi possível ler de ${id}: a ponta de leitura está fechada neste processo`);
    const fd = fs.openSync(`/proc/self/fd/${readFd}`, O_RDONLY | O_NONBLOCK);
    fs.closeSync(readFd);
    readFd = fd;
    return (reader = fdReader(fd, () => (readFd = null)));
  };
  const startWriter = (): FdWriter => {
    if (writer) return writer;
    if (writeFd === null) throw new CdlabError("EBADF", `Não foi possível escrever em ${id}: a ponta de escrita está fechada neste processo`);
    let fd: number;
    try {
      fd = fs.openSync(`/proc/self/fd/${writeFd}`, O_WRONLY | O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENXIO") throw new CdlabError("EPIPE", `Não foi possível escrever em ${id}: pipe quebrado (a ponta de leitura está fechada)`, { cause: e });
      throw systemError(`Não foi possível escrever em ${id}`, e);
    }
    fs.closeSync(writeFd);
    writeFd = fd;
    return (writer = fdWriter(fd, id, () => (writeFd = null))); // after EPIPE Node closes the fd
  };

  const closeRead = () => {
    if (reader) reader.destroy();
    else if (readFd !== null) fs.closeSync(readFd);
    readFd = null;
  };
  const closeWrite = () => {
    if (writer) writer.destroy();
    else if (writeFd !== null) fs.closeSync(writeFd);
    writeFd = null;
  };

  return makeHandle<Pipe>({
    get readFd() {
      return readFd;
    },
    get writeFd() {
      return writeFd;
    },
    id,
    closeRead,
    closeWrite,
    write: async (data, options) => startWriter().write(data, options),
    read: async (options) => startReader().read(options),
    readAll: async (options) => startReader().readAll(options),
  }, {
    kind: "pipe",
    label: id,
    // Interrupting the cell ends a read that waits (like Ctrl-C on a blocked read in C: EINTR).
    interrupt: () => reader?.cancel(interrupted(`Leitura de ${id}`)),
    release: () => {
      closeRead();
      closeWrite();
    },
  });
}

/**
 * Measure how many bytes a pipe holds before a writer would block: write into
 * a fresh pipe in non-blocking mode until the kernel answers EAGAIN.
 *
 * @returns the capacity in bytes (65536 on a default Linux)
 * @example
 * ```ts
 * await pipeCapacity(); // 65536
 * ```
 */
export async function pipeCapacity(): Promise<number> {
  const p = await pipe();
  const fd = fs.openSync(`/proc/self/fd/${p.writeFd}`, O_WRONLY | O_NONBLOCK);
  let total = 0;
  try {
    for (const size of [4096, 1]) {
      const chunk = Buffer.alloc(size, 120);
      for (;;) {
        try {
          total += fs.writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "EAGAIN") break;
          throw e;
        }
      }
    }
    return total;
  } finally {
    fs.closeSync(fd);
    await p.close();
  }
}
