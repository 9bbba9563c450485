/**
 * FIFOs (named pipes): a pipe with a name in the file system, created with
 * `mkfifo`, so processes with no common ancestor can find it by its path.
 * Opening one end blocks until the other end is opened too.
 *
 * @example
 * ```ts
 * const fifo = await makeFifo();            // mkfifo /tmp/cdlab-fifo-…
 * const r = fifo.openRead();                // blocks… until a writer opens
 * const w = await fifo.openWrite();
 * await w.write("oi\n"); await w.close();
 * (await (await r).readAll()).toString();   // "oi\n"
 * await fifo.close();                       // closes the ends, removes the file
 * ```
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { throwIfAborted } from "../runtime/abort";
import { run } from "../proc/child";
import { fdReader, fdWriter, interrupted } from "./fd-stream";

const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;

/** One open end of a FIFO. */
export interface FifoEnd extends Handle {
  readonly fd: number | null;
  /** Reading end: what is there now (waits for some); null at EOF. */
  read(options?: { signal?: AbortSignal }): Promise<Buffer | null>;
  /** Reading end: everything until every writer has closed. */
  readAll(options?: { signal?: AbortSignal }): Promise<Buffer>;
  /** Writing end. @throws CdlabError `EPIPE` when no reader is left */
  write(data: string | Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
}

/** A FIFO created by {@link makeFifo}; `close()` closes its ends and removes the file. */
export interface Fifo extends Handle {
  readonly path: string;
  /** Open for reading; the promise waits (like `open(2)`) until some process opens it for writing. */
  openRead(options?: { signal?: AbortSignal }): Promise<FifoEnd>;
  /** Open for writing; waits until some process opens it for reading. */
  openWrite(options?: { signal?: AbortSignal }): Promise<FifoEnd>;
}

let counter = 0;

/** Check that `p` is a FIFO; one clear error otherwise. */
function checkIsFifo(p: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw systemError(`${what} "${p}"`, e);
  }
  if (!st.isFIFO()) throw new CdlabError("EINVAL", `${what} "${p}": o caminho não é uma FIFO`);
}

/**
 * Open an existing FIFO — the way an unrelated process would, by its name.
 * The open waits (in a worker thread, the kernel stays responsive) until the
 * other side opens too; aborting releases it.
 *
 * @param fifoPath the FIFO's path
 * @param mode "r" to read, "w" to write
 * @param options.signal abort the wait
 * @returns the open end
 * @throws CdlabError `ENOENT` when the path does not exist, `EINVAL` when it is not a FIFO
 * @example
 * ```ts
 * const w = await openFifo("/tmp/minha-fifo", "w");
 * ```
 */
export function openFifo(fifoPath: string, mode: "r" | "w", options: { signal?: AbortSignal } = {}): Promise<FifoEnd> {
  if (typeof fifoPath !== "string" || fifoPath === "") invalidArg("path", fifoPath, "esperado um texto não vazio");
  if (mode !== "r" && mode !== "w") invalidArg("mode", mode, 'esperado "r" ou "w"');
  return openEnd(fifoPath, mode, options.signal);
}

async function openEnd(fifoPath: string, mode: "r" | "w", signal: AbortSignal | undefined): Promise<FifoEnd> {
  throwIfAborted(signal);
  checkIsFifo(fifoPath, "Não foi possível abrir a FIFO");
  let release: number | undefined;
  const onAbort = () => {
    // Hold the FIFO open for reading AND writing (Linux never blocks on that)
    // until the waiting open(2) has returned.
    try {
      release = fs.openSync(fifoPath, fs.constants.O_RDWR | O_NONBLOCK);
    } catch {
      /* removed meanwhile: the open fails by itself */
    }
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) =>
      fs.open(fifoPath, mode === "r" ? O_RDONLY : O_WRONLY, (e, d) => (e ? reject(e) : resolve(d))),
    );
  } catch (e) {
    // Released by an abort: say why, even when the open(2) lost the race with close() removing the file (ENOENT).
    if (signal?.aborted) throw signal.reason;
    throw systemError(`Não foi possível abrir a FIFO "${fifoPath}"`, e);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (release !== undefined) fs.closeSync(release);
  }
  if (signal?.aborted) {
    fs.closeSync(fd);
    throw signal.reason;
  }
  // Both sides are there. Keep this very fd (the socket below makes it non-blocking):
  // Linux reports hang-up (EOF) to a reader only for writers it has seen, so a
  // non-blocking reopen made after a fast writer had already gone would wait for EOF forever.
  let current: number | null = fd;
  const label = `FIFO "${fifoPath}"`;
  const reader = mode === "r" ? fdReader(fd, () => (current = null)) : undefined;
  const writer = mode === "w" ? fdWriter(fd, label, () => (current = null)) : undefined;
  const notFor = (op: string) => Promise.reject(new CdlabError("EBADF", `Não foi possível ${op} ${label}: ela foi aberta no modo "${mode}"`));
  return makeHandle<FifoEnd>({
    get fd() {
      return current;
    },
    read: (o) => (reader ? reader.read(o) : notFor("ler de")),
    readAll: (o) => (reader ? reader.readAll(o) : notFor("ler de")),
    write: (d, o) => (writer ? writer.write(d, o) : notFor("escrever em")),
  }, {
    kind: "fifo",
    label: `${fifoPath} (${mode})`,
    interrupt: () => reader?.cancel(interrupted(`Leitura de ${label}`)),
    release: () => {
      reader?.destroy();
      writer?.destroy();
    },
  });
}

/**
 * Create a FIFO with the `mkfifo` command (the system's `mkfifo(3)`).
 *
 * @param fifoPath where @default a fresh name in the temp directory, `cdlab-fifo-<pid>-<n>`
 * @param options.mode permission bits @default 0o600
 * @returns the FIFO; `close()` closes the ends opened through it and removes the file
 * @throws CdlabError `ENOENT` when the directory does not exist, `EEXIST` when something already has this name
 * @example
 * ```ts
 * const fifo = await makeFifo("/tmp/minha-fifo");
 * ```
 */
export function makeFifo(fifoPath?: string, options: { mode?: number } = {}): Promise<Fifo> {
  const { mode = 0o600 } = options;
  if (fifoPath !== undefined && (typeof fifoPath !== "string" || fifoPath === "")) invalidArg("path", fifoPath, "esperado um texto não vazio");
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) invalidArg("mode", mode, "esperados bits de permissão como 0o600");
  return createFifo(fifoPath, mode);
}

async function createFifo(fifoPath: string | undefined, mode: number): Promise<Fifo> {
  const p = path.resolve(fifoPath ?? path.join(os.tmpdir(), `cdlab-fifo-${process.pid}-${++counter}`));
  const dir = path.dirname(p);
  if (!fs.existsSync(dir)) throw new CdlabError("ENOENT", `Não foi possível criar a FIFO "${p}": o diretório "${dir}" não existe`);
  if (fs.existsSync(p)) {
    const kind = fs.lstatSync(p).isFIFO() ? "uma FIFO" : fs.lstatSync(p).isFile() ? "um arquivo comum" : "algo";
    throw new CdlabError("EEXIST", `Não foi possível criar a FIFO "${p}": já existe ${kind} neste caminho`);
  }
  const r = await run("mkfifo", ["-m", mode.toString(8), p], { timeout: 5000 });
  if (r.exitCode !== 0) throw new CdlabError("ERR_MKFIFO", `Não foi possível criar a FIFO "${p}": ${r.stderr.trim() || `mkfifo terminou com ${r.exitCode}`}`);
  const ends = new Set<FifoEnd>();
  let pending = new AbortController(); // close() and an interrupt release opens still waiting
  const opener = (m: "r" | "w") => (o: { signal?: AbortSignal } = {}): Promise<FifoEnd> => {
    const signal = o.signal ? AbortSignal.any([o.signal, pending.signal]) : pending.signal;
    const opening = openFifo(p, m, { signal }).then((end) => (ends.add(end), end));
    opening.catch(() => {}); // a wait released by close() is not an unhandled rejection
    return opening;
  };
  const release = async () => {
    pending.abort(new CdlabError("ERR_CLOSED", `Não foi possível abrir a FIFO "${p}": ela foi fechada`));
    for (const e of ends) await e.close();
    try {
      if (fs.lstatSync(p).isFIFO()) fs.unlinkSync(p);
    } catch {
      /* already removed */
    }
  };
  const interrupt = () => {
    pending.abort(interrupted(`Abertura da FIFO "${p}"`));
    pending = new AbortController();
  };
  return makeHandle<Fifo>({ path: p, openRead: opener("r"), openWrite: opener("w") }, { kind: "fifo", label: p, interrupt, release });
}
