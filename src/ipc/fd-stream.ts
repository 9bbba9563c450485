/**
 * Internal: read and write a pipe or FIFO fd from the event loop, without
 * blocking the kernel. Used by pipe.ts and fifo.ts.
 */
import net from "node:net";
import { CdlabError, systemError } from "../runtime/errors";
import { abortable, throwIfAborted } from "../runtime/abort";

/** Reading side: `read()` returns what is there (waiting for some), null at EOF. */
export interface FdReader {
  read(options?: { signal?: AbortSignal }): Promise<Buffer | null>;
  readAll(options?: { signal?: AbortSignal }): Promise<Buffer>;
  /** End a read that is waiting with `reason` (the cell was interrupted); later reads work again. */
  cancel(reason: Error): void;
  destroy(): void;
}

/**
 * Wrap a non-blocking read fd (the wrapper owns it and closes it).
 *
 * @param fd the fd
 * @param onClose called once the fd is closed
 * @returns read(), readAll(), cancel() and destroy()
 * @example
 * ```ts
 * declare const fd: number; // a non-blocking read end
 * const r = fdReader(fd, () => {}); await r.read();
 * ```
 */
export function fdReader(fd: number, onClose: () => void): FdReader {
  const socket = new net.Socket({ fd, readable: true, writable: false });
  const chunks: Buffer[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let cancelWait: ((e: Error) => void) | undefined;
  socket.on("data", (b: Buffer) => (chunks.push(b), wake?.()));
  socket.on("end", () => ((ended = true), wake?.()));
  socket.on("error", () => ((ended = true), wake?.()));
  socket.on("close", () => ((ended = true), wake?.(), onClose()));
  const read = async ({ signal }: { signal?: AbortSignal } = {}): Promise<Buffer | null> => {
    throwIfAborted(signal);
    while (chunks.length === 0 && !ended) {
      try {
        await abortable(new Promise<void>((resolve, reject) => ((wake = resolve), (cancelWait = reject))), signal);
      } finally {
        wake = cancelWait = undefined;
      }
    }
    if (chunks.length === 0) return null;
    // One chunk (the usual case: a read as large as the pipe holds) is returned as is: Buffer.concat would copy it
    return chunks.length === 1 ? chunks.pop()! : Buffer.concat(chunks.splice(0));
  };
  return {
    read,
    async readAll(options = {}) {
      const all: Buffer[] = [];
      for (let b; (b = await read(options)) !== null; ) all.push(b);
      return Buffer.concat(all);
    },
    cancel: (reason) => cancelWait?.(reason),
    destroy: () => socket.destroy(),
  };
}

/**
 * The error a read or an open waiting in an interrupted cell ends with.
 * @param what what was waiting, e.g. `Leitura de pipe:[1]`
 * @returns a CdlabError with code `EINTR`
 * @example
 * ```ts
 * declare const reader: FdReader;
 * reader.cancel(interrupted("Leitura de pipe:[1]"));
 * ```
 */
export function interrupted(what: string): CdlabError {
  return new CdlabError("EINTR", `${what}: interrompido`);
}

/** Writing side. */
export interface FdWriter {
  /** @throws CdlabError `EPIPE` when no reader is left */
  write(data: string | Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  destroy(): void;
}

/**
 * Wrap a non-blocking write fd (the wrapper owns it and closes it).
 *
 * @param fd the fd
 * @param what names the channel in messages, e.g. `pipe:[123]`
 * @param onClose called once the fd is closed (also after EPIPE)
 * @returns write() and destroy()
 * @example
 * ```ts
 * declare const fd: number; // a non-blocking write end
 * await fdWriter(fd, "pipe:[1]", () => {}).write("oi");
 * ```
 */
export function fdWriter(fd: number, what: string, onClose: () => void): FdWriter {
  const socket = new net.Socket({ fd, readable: false, writable: true });
  socket.on("error", () => {
    /* reported by write() */
  });
  socket.on("close", onClose);
  return {
    async write(data, { signal } = {}) {
      throwIfAborted(signal);
      await abortable(
        new Promise<void>((resolve, reject) =>
          socket.write(data, (e) => {
            if (!e) return resolve();
            const code = (e as NodeJS.ErrnoException).code;
            if (code === "EPIPE" || code === "ERR_STREAM_DESTROYED")
              reject(new CdlabError("EPIPE", `Não foi possível escrever em ${what}: pipe quebrado (a ponta de leitura está fechada)`, { cause: e }));
            else reject(systemError(`Não foi possível escrever em ${what}`, e));
          }),
        ),
        signal,
      );
    },
    destroy: () => socket.destroy(),
  };
}
