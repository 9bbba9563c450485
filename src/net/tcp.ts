/**
 * The lecture's `TCPClient`: gethostbyname, socket, connect, send (writeUTF),
 * recv (readUTF), close — as an awaitable connection.
 *
 * @example
 * ```ts
 * import { tcpConnect, tcpRequest } from "cdlab/net";
 * await tcpRequest("olá", { port: 7896 });          // Java's TCPClient in one call
 * const c = await tcpConnect({ port: 7896 });         // or step by step
 * await c.send("um"); await c.receive();              // "um"
 * await c.close();
 * ```
 */
import net from "node:net";
import { abortable, throwIfAborted } from "../runtime/abort";
import { CdlabError, invalidArg, systemError, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { replaceNamed } from "../runtime/registry";
import { UtfFrameDecoder, writeUTF } from "./java-utf";
import type { Trace } from "./trace";
import { resolveHost } from "./datagram";

export { tcpServer } from "./tcp-server";
export type { TcpServer, TcpServerOptions } from "./tcp-server";

/** Options of {@link tcpConnect}. */
export interface TcpConnectOptions {
  /** Server host name or address. @default "127.0.0.1" */
  host?: string;
  /** Server port. @default 7896 */
  port?: number;
  /** Registry name: a later connection with the same name replaces this one. */
  name?: string;
  /** Abort while resolving or connecting. */
  signal?: AbortSignal;
  /** Record socket events here. */
  trace?: Trace;
}

/** Options of a wait on a connection. */
export interface TcpWaitOptions {
  /** Give up after this long (`ETIMEDOUT`). @default no limit */
  timeoutMs?: number;
  /** Abort the wait. */
  signal?: AbortSignal;
}

/** An open TCP connection speaking writeUTF/readUTF. */
export interface TcpConnection extends Handle {
  /** This socket's lifeline in the trace. */
  readonly lifeline: string;
  /** Local port (the system chose it at connect). */
  readonly localPort: number;
  /** The server's address and port. */
  readonly remote: { address: string; port: number };
  /**
   * Send one message, framed as `writeUTF` frames it. Like Java's `write`, it
   * resolves once the bytes are handed to the system (waiting only while the
   * send buffer is full); a write that fails later ends the connection and the
   * next `send`/`receive` rejects with that error.
   * @throws CdlabError `ERR_UTF_TOO_LONG` over 65535 encoded bytes, `EPIPE`/`ECONNRESET` when the peer is gone
   */
  send(message: string): Promise<void>;
  /**
   * Wait for the next message (`readUTF`).
   * @throws CdlabError `ERR_EOF` when the server closes first (Java's EOFException)
   */
  receive(options?: TcpWaitOptions): Promise<string>;
  /** send, then receive. */
  request(message: string, options?: TcpWaitOptions): Promise<string>;
}

/**
 * Connect to a TCP server (Java's `new Socket(host, port)`).
 *
 * @param options host, port, name, signal, trace
 * @returns the connection (close it when done)
 * @throws CdlabError `ECONNREFUSED`, `ENOTFOUND`, `ERR_INVALID_PORT`…
 * @example
 * ```ts
 * declare const server: TcpServer; // from tcpServer()
 * const c = await tcpConnect({ port: server.port });
 * console.log(await c.request("oi"));
 * await c.close();
 * ```
 */
export async function tcpConnect(options: TcpConnectOptions = {}): Promise<TcpConnection> {
  const port = validatePort(options.port ?? 7896);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || !host) invalidArg("host", host, "esperado um nome de host ou um endereço IP");
  const { signal, trace } = options;
  throwIfAborted(signal);
  const life = trace ? trace.lifeline("cliente") : "cliente";
  await replaceNamed(options.name);
  const addr = await resolveHost(host, signal);
  trace?.record(life, "gethostbyname", `${host} → ${addr.address}`);

  const socket = new net.Socket();
  trace?.record(life, "socket", "SOCK_STREAM");
  const queue: string[] = [];
  const decoder = new UtfFrameDecoder();
  type Waiter = { resolve: (s: string) => void; reject: (e: Error) => void };
  const waiters = new Set<Waiter>();
  let ended: Error | undefined;
  let interrupted = false;
  let localPort = 0;
  let drained: Promise<void> | undefined;
  /** One shared wait for "drain" (or "close"), however many sends are waiting. */
  const drain = () =>
    (drained ??= new Promise<void>((resolve) => {
      const done = () => {
        socket.off("drain", done);
        socket.off("close", done);
        drained = undefined;
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
    }));
  const endAll = (e: Error) => {
    ended ??= e;
    for (const w of waiters) w.reject(ended);
    waiters.clear();
  };

  socket.on("error", (e) => endAll(systemError(`A conexão com ${host}:${port} falhou`, e)));
  await abortable(
    new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, addr.address, () => {
        socket.off("error", reject);
        resolve();
      });
    }),
    signal,
    () => socket.destroy(),
  ).catch((e) => {
    socket.destroy();
    if (signal?.aborted) throw e;
    throw systemError(`Não foi possível conectar a ${host}:${port}`, e);
  });
  localPort = socket.localPort ?? 0;
  const ports = { local: localPort, peer: port };
  trace?.record(life, "connect", `${addr.address}:${port} (porta local ${localPort})`);

  socket.on("data", (chunk) => {
    let msgs: string[];
    try {
      msgs = decoder.push(chunk);
    } catch (e) {
      endAll(e as Error);
      socket.destroy();
      return;
    }
    for (const m of msgs) {
      trace?.record(life, "recv", `"${m.slice(0, 20)}"`, ports);
      const w = waiters.values().next().value;
      if (w) {
        waiters.delete(w);
        w.resolve(m);
      } else queue.push(m);
    }
  });
  socket.on("end", () => endAll(new CdlabError("ERR_EOF", `Conexão fechada por ${host}:${port} antes de chegar uma mensagem completa`)));
  socket.on("close", () => endAll(new CdlabError("ERR_EOF", `A conexão com ${host}:${port} está fechada`)));

  // Interrupting the cell that opened this connection closes it: a pending receive rejects with EINTR.
  const interrupt = () => {
    interrupted = true;
    void conn.close();
  };
  const release = async () => {
    endAll(
      interrupted
        ? new CdlabError("EINTR", "Interrompido enquanto esperava uma mensagem")
        : new CdlabError("ERR_SOCKET_CLOSED", "A conexão foi fechada enquanto esperava uma mensagem"),
    );
    if (!socket.destroyed) trace?.record(life, "close");
    await new Promise<void>((r) => {
      if (socket.destroyed) return r();
      socket.once("close", () => r());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  };
  const conn: TcpConnection = makeHandle({
    lifeline: life,
    localPort,
    remote: { address: addr.address, port },
    async send(message) {
      const frame = writeUTF(message);
      if (socket.destroyed || !socket.writable) {
        throw ended instanceof CdlabError && ended.code !== "ERR_EOF"
          ? ended
          : new CdlabError("EPIPE", `Não é possível enviar para ${host}:${port}: a conexão está fechada`);
      }
      trace?.record(life, "send", `"${message.slice(0, 20)}"`, ports);
      // Like Java's write: done once the bytes are handed over; only a full
      // buffer makes it wait (backpressure). A later write error ends the
      // connection, and the next send or receive reports it.
      if (socket.write(frame)) return;
      await drain();
      if (socket.destroyed) throw ended ?? new CdlabError("EPIPE", `Não é possível enviar para ${host}:${port}: a conexão está fechada`);
    },
    receive(opts = {}) {
      const { timeoutMs, signal: s } = opts;
      if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
        invalidArg("timeoutMs", timeoutMs, "esperado um número de milissegundos ≥ 0");
      }
      if (s?.aborted) return Promise.reject(s.reason);
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.reject(ended);
      let w!: Waiter;
      const p = new Promise<string>((resolve, reject) => {
        w = { resolve, reject };
        waiters.add(w);
      });
      if (timeoutMs === undefined) return abortable(p, s, () => waiters.delete(w));
      const timer = setTimeout(() => {
        waiters.delete(w);
        w.reject(new CdlabError("ETIMEDOUT", `Nenhuma mensagem de ${host}:${port} em ${timeoutMs} ms`));
      }, timeoutMs);
      return abortable(p.finally(() => clearTimeout(timer)), s, () => waiters.delete(w));
    },
    request(message, opts) {
      // Write without waiting for the write callback: a failed write ends the
      // connection, and the receive below rejects with that error.
      try {
        const frame = writeUTF(message);
        if (socket.destroyed || !socket.writable) return conn.send(message).then(() => conn.receive(opts));
        trace?.record(life, "send", `"${message.slice(0, 20)}"`, ports);
        socket.write(frame);
      } catch (e) {
        return Promise.reject(e);
      }
      return conn.receive(opts);
    },
  }, { kind: "tcp-socket", name: options.name, label: `tcp → ${addr.address}:${port}`, interrupt, release });
  return conn;
}

/** Options of {@link tcpRequest}. */
export interface TcpRequestOptions extends TcpConnectOptions {
  /** How long to wait for the reply. @default no limit (as in Java) */
  timeoutMs?: number;
}

/**
 * Java's TCPClient in one call: connect, writeUTF(message), readUTF(), close.
 *
 * @param message the text to send (at most 65535 bytes in modified UTF-8)
 * @param options host, port, timeoutMs, signal, trace
 * @returns the server's reply
 * @example
 * ```ts
 * console.log("Received: " + (await tcpRequest("olá", { port: 7896 })));
 * ```
 */
export async function tcpRequest(message: string, options: TcpRequestOptions = {}): Promise<string> {
  writeUTF(message); // validate before connecting
  const c = await tcpConnect({ ...options, name: undefined });
  try {
    return await c.request(message, { timeoutMs: options.timeoutMs, signal: options.signal });
  } finally {
    await c.close();
  }
}
