/**
 * UDP, as in the lecture's `UDPServer` / `UDPClient` (port 6789): datagrams,
 * no connection, no retransmission, no ordering. A datagram is received into a
 * 1000-byte buffer like Java's `new DatagramPacket(new byte[1000], 1000)`, so a
 * longer one is truncated exactly as `DatagramPacket` truncates it.
 *
 * @example
 * ```ts
 * import { udpServer, udpRequest } from "cdlab";
 * const server = await udpServer({ port: 0, name: "eco-udp" });
 * const reply = await udpRequest("olá", { port: server.port });
 * reply.text; // "olá"
 * await server.close();
 * ```
 */
import dgram from "node:dgram";
import dns from "node:dns";
import net from "node:net";
import { abortable, throwIfAborted } from "../abort";
import { CdlabError, invalidArg, systemError, validatePort } from "../errors";
import { asyncDispose, once, type Handle } from "../handle";
import { relabel, replaceNamed, track, untrack } from "../registry";
import type { Trace } from "./trace";

/** Java's receive buffer in the lecture's programs. */
export const JAVA_BUFFER_SIZE = 1000;
/** The largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). */
export const MAX_DATAGRAM = 65507;

/** A received datagram. */
export interface Datagram {
  /** The bytes that fit in the receive buffer (Java's `getLength()` bytes). */
  data: Buffer;
  /** `data` decoded as UTF-8 (a character cut by truncation becomes U+FFFD, as in Java). */
  text: string;
  /** How long the datagram really was. */
  length: number;
  /** True when it was longer than the buffer and its end was discarded. */
  truncated: boolean;
  /** Who sent it. */
  from: { address: string; port: number };
}

/** What a server's handler may answer: bytes, text, or nothing (no reply). */
export type UdpReply = Uint8Array | string | undefined | void;

/** Options of {@link udpServer}. */
export interface UdpServerOptions {
  /** Port to bind; 0 picks a free one. @default 6789 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** Registry name: a later server with the same name replaces this one. */
  name?: string;
  /** Receive buffer size in bytes (longer datagrams are truncated). @default 1000 */
  bufferSize?: number;
  /** Computes the reply to each datagram. @default echo (Java's UDPServer) */
  handler?: (request: Datagram) => UdpReply | Promise<UdpReply>;
  /** Record socket events here. */
  trace?: Trace;
}

/** A running UDP server. */
export interface UdpServer extends Handle {
  readonly host: string;
  readonly port: number;
  /** How many datagrams arrived. */
  readonly received: number;
  /** Errors thrown by the handler or the socket (the server keeps serving). */
  readonly errors: Error[];
}

/**
 * Start a UDP server; by default it echoes each datagram, like Java's UDPServer.
 *
 * @param options port, host, name, bufferSize, handler, trace
 * @returns the running server (close it when done)
 * @throws CdlabError `ERR_INVALID_PORT`, `EADDRINUSE`…
 * @example
 * ```ts
 * const server = await udpServer({ port: 0, handler: (d) => d.text.toUpperCase() });
 * ```
 */
export async function udpServer(options: UdpServerOptions = {}): Promise<UdpServer> {
  const port = validatePort(options.port ?? 6789);
  const host = checkHost(options.host ?? "127.0.0.1");
  const bufferSize = checkBufferSize(options.bufferSize);
  const handler = options.handler ?? ((d: Datagram) => d.data);
  if (typeof handler !== "function") invalidArg("handler", handler, "expected a function");
  const trace = options.trace;
  const life = trace ? trace.lifeline("servidor") : "servidor";
  await replaceNamed(options.name);

  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  trace?.record(life, "socket", "SOCK_DGRAM");
  const errors: Error[] = [];
  let received = 0;
  let closed = false;
  const bound = await bindUdp(socket, port, host, "UDP server");
  trace?.record(life, "bind", `${host}:${bound}`);
  socket.on("error", (e) => errors.push(e));
  socket.on("message", (msg, rinfo) => {
    received++;
    const request = toDatagram(msg, rinfo, bufferSize);
    trace?.record(life, "recv", describe(request), { local: bound, peer: rinfo.port });
    const record = (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      errors.push(err);
      trace?.record(life, "error", err.message);
    };
    const answer = (reply: UdpReply) => {
      if (reply === undefined || closed) return;
      const bytes = typeof reply === "string" ? Buffer.from(reply, "utf8") : Buffer.isBuffer(reply) ? reply : Buffer.from(reply);
      if (bytes.length > MAX_DATAGRAM) throw tooBig(bytes.length);
      trace?.record(life, "send", preview(bytes), { local: bound, peer: rinfo.port });
      socket.send(bytes, rinfo.port, rinfo.address, (e) => e && errors.push(e));
    };
    try {
      const out = handler(request);
      if (typeof (out as { then?: unknown } | undefined)?.then === "function") {
        Promise.resolve(out).then(answer).catch(record);
      } else answer(out as UdpReply);
    } catch (e) {
      record(e);
    }
  });

  const server: UdpServer = {
    host,
    port: bound,
    get received() {
      return received;
    },
    errors,
    close: once(async () => {
      closed = true;
      untrack(server);
      trace?.record(life, "close");
      await new Promise<void>((r) => socket.close(() => r()));
    }),
    [asyncDispose]() {
      return this.close();
    },
  };
  track(server, { kind: "udp-socket", name: options.name, label: `udp ${host}:${bound}` });
  return server;
}

/** Options of {@link udpSocket}. */
export interface UdpSocketOptions {
  /** Local port; 0 lets the system choose. @default 0 */
  port?: number;
  /** Local address. @default "0.0.0.0" ("::" for udp6) */
  host?: string;
  /** IPv4 or IPv6. @default "udp4" */
  type?: "udp4" | "udp6";
  /** Receive buffer size in bytes. @default 1000 */
  bufferSize?: number;
  /** Registry name. */
  name?: string;
  /** Record socket events here. */
  trace?: Trace;
}

/** A UDP socket to send datagrams and wait for replies (Java's DatagramSocket). */
export interface UdpSocket extends Handle {
  /** This socket's lifeline name in the trace (`cliente#1`…). */
  readonly lifeline: string;
  /** IPv4 or IPv6. */
  readonly type: "udp4" | "udp6";
  /** The local port (known after the first send, or at once when `port` was given). */
  readonly port: number;
  /**
   * Send one datagram.
   * @param message text (sent as UTF-8) or bytes, at most 65507 bytes
   * @param to destination @default { host: "127.0.0.1", port: 6789 }
   */
  send(message: string | Uint8Array, to?: { host?: string; port?: number }): Promise<void>;
  /**
   * Wait for the next datagram.
   * @param options.timeoutMs give up after this long (`ETIMEDOUT`) @default no limit
   * @param options.signal abort the wait
   */
  receive(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Datagram>;
}

/**
 * Open a UDP socket (Java's `new DatagramSocket()`).
 *
 * @param options local port/host, type, bufferSize, name, trace
 * @returns the socket (close it when done)
 * @example
 * ```ts
 * const s = await udpSocket();
 * await s.send("oi", { port: 6789 });
 * const reply = await s.receive({ timeoutMs: 1000 });
 * await s.close();
 * ```
 */
export async function udpSocket(options: UdpSocketOptions = {}): Promise<UdpSocket> {
  const type = options.type ?? "udp4";
  if (type !== "udp4" && type !== "udp6") invalidArg("type", type, 'expected "udp4" or "udp6"');
  const localPort = validatePort(options.port ?? 0);
  const localHost = checkHost(options.host ?? (type === "udp6" ? "::" : "0.0.0.0"));
  const bufferSize = checkBufferSize(options.bufferSize);
  const trace = options.trace;
  const life = trace ? trace.lifeline("cliente") : "cliente";
  await replaceNamed(options.name);
  const socket = dgram.createSocket(type);
  trace?.record(life, "socket", "SOCK_DGRAM");
  const queue: Datagram[] = [];
  const waiters = new Set<{ resolve: (d: Datagram) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  let closed = false;
  let interrupted = false;
  let port = 0;
  const fail = (e: Error) => {
    failure = e;
    for (const w of waiters) w.reject(e);
    waiters.clear();
  };
  socket.on("error", (e) => fail(systemError("UDP socket error", e)));
  socket.on("message", (msg, rinfo) => {
    const d = toDatagram(msg, rinfo, bufferSize);
    trace?.record(life, "recv", describe(d), { local: port, peer: rinfo.port });
    const w = waiters.values().next().value;
    if (w) {
      waiters.delete(w);
      w.resolve(d);
    } else queue.push(d);
  });
  if (options.port !== undefined || options.host !== undefined) {
    port = await bindUdp(socket, localPort, localHost, "UDP socket");
    trace?.record(life, "bind", `${localHost}:${port}`);
  }

  const handle: UdpSocket = {
    lifeline: life,
    type,
    get port() {
      return port;
    },
    async send(message, to = {}) {
      if (closed) throw new CdlabError("ERR_SOCKET_CLOSED", "Cannot send: the UDP socket is closed");
      const bytes = toBytes(message);
      const dport = validatePort(to.port ?? 6789, "port");
      const dhost = checkHost(to.host ?? "127.0.0.1");
      if (net.isIP(dhost) && port) {
        // An address and a bound socket: nothing to wait for (UDP send does not
        // block); a late error fails the socket's pending and next receives.
        trace?.record(life, "send", preview(bytes), { local: port, peer: dport });
        socket.send(bytes, dport, dhost, (e) => e && fail(systemError(`Cannot send datagram to ${dhost}:${dport}`, e)));
        return;
      }
      await new Promise<void>((resolve, reject) => {
        socket.send(bytes, dport, dhost, (e) => (e ? reject(e) : resolve()));
      }).catch((e) => {
        throw systemError(`Cannot send datagram to ${dhost}:${dport}`, e);
      });
      if (!port) port = socket.address().port;
      trace?.record(life, "send", preview(bytes), { local: port, peer: dport });
    },
    receive(opts = {}) {
      const { timeoutMs, signal } = opts;
      if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
        invalidArg("timeoutMs", timeoutMs, "expected a number of milliseconds ≥ 0");
      }
      try {
        throwIfAborted(signal);
      } catch (e) {
        return Promise.reject(e);
      }
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new CdlabError("ERR_SOCKET_CLOSED", "Cannot receive: the UDP socket is closed"));
      let timer: NodeJS.Timeout | undefined;
      let waiter!: { resolve: (d: Datagram) => void; reject: (e: Error) => void };
      const p = new Promise<Datagram>((resolve, reject) => {
        waiter = { resolve, reject };
        waiters.add(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            waiters.delete(waiter);
            reject(new CdlabError("ETIMEDOUT", `No datagram arrived within ${timeoutMs} ms (UDP does not retransmit: the request or the reply may be lost, or no server is listening)`));
          }, timeoutMs);
        }
      }).finally(() => clearTimeout(timer));
      return abortable(p, signal, () => {
        waiters.delete(waiter);
        clearTimeout(timer);
      });
    },
    close: once(async () => {
      closed = true;
      untrack(handle);
      const err = interrupted
        ? new CdlabError("EINTR", "Interrupted while waiting for a datagram")
        : new CdlabError("ERR_SOCKET_CLOSED", "The UDP socket was closed while waiting for a datagram");
      for (const w of waiters) w.reject(err);
      waiters.clear();
      trace?.record(life, "close");
      await new Promise<void>((r) => socket.close(() => r()));
    }),
    [asyncDispose]() {
      return this.close();
    },
  };
  // Interrupting the cell that opened this socket closes it: a pending receive rejects with EINTR.
  const interrupt = () => {
    interrupted = true;
    void handle.close();
  };
  track(handle, { kind: "udp-socket", name: options.name, label: "udp client", interrupt });
  if (port) relabel(handle, `udp ${localHost}:${port}`);
  return handle;
}

/** Options of {@link udpRequest}. */
export interface UdpRequestOptions {
  /** Server host name or address. @default "127.0.0.1" */
  host?: string;
  /** Server port. @default 6789 */
  port?: number;
  /** How long to wait for the reply. @default 5000 */
  timeoutMs?: number;
  /** Receive buffer size. @default 1000 */
  bufferSize?: number;
  /** Abort the wait. */
  signal?: AbortSignal;
  /** Record socket events here. */
  trace?: Trace;
}

/**
 * Java's UDPClient: resolve the host, send one datagram, wait for one reply,
 * close the socket.
 *
 * @param message text (UTF-8) or bytes, at most 65507 bytes
 * @param options host, port, timeoutMs, bufferSize, signal, trace
 * @returns the reply
 * @throws CdlabError `ETIMEDOUT` when no reply comes in time, `EMSGSIZE`, `ENOTFOUND`…
 * @example
 * ```ts
 * const reply = await udpRequest("olá", { port: 6789, timeoutMs: 1000 });
 * console.log("Reply: " + reply.text);
 * ```
 */
export async function udpRequest(message: string | Uint8Array, options: UdpRequestOptions = {}): Promise<Datagram> {
  const bytes = toBytes(message);
  const port = validatePort(options.port ?? 6789);
  const host = checkHost(options.host ?? "127.0.0.1");
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) invalidArg("timeoutMs", timeoutMs, "expected a number of milliseconds ≥ 0");
  const { signal, trace } = options;
  throwIfAborted(signal);
  // Java's order: new DatagramSocket(), then InetAddress.getByName(host).
  const s = await udpSocket({ type: host.includes(":") ? "udp6" : "udp4", bufferSize: options.bufferSize, trace });
  let address: { address: string };
  try {
    address = await resolveHost(host, signal, s.type === "udp6" ? 6 : 4);
    trace?.record(s.lifeline, "gethostbyname", `${host} → ${address.address}`);
    await s.send(bytes, { host: address.address, port });
    return await s.receive({ timeoutMs, signal }).catch((e) => {
      if (e instanceof CdlabError && e.code === "ETIMEDOUT") {
        throw new CdlabError("ETIMEDOUT", `No reply from ${host}:${port} within ${timeoutMs} ms (UDP does not retransmit: the request or the reply was lost, or no server is listening)`);
      }
      throw e;
    });
  } finally {
    await s.close();
  }
}

/**
 * Bind a UDP socket; on failure close it and throw a one-line error.
 * @returns the bound port
 * @internal
 */
export async function bindUdp(socket: dgram.Socket, port: number, host: string, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  }).catch((e) => {
    socket.close();
    throw systemError(`Cannot bind ${what} to ${host}:${port}`, e);
  });
  return socket.address().port;
}

/** Resolve a host name like Java's `InetAddress.getByName` (gethostbyname). @internal */
export async function resolveHost(host: string, signal?: AbortSignal, family?: 4 | 6): Promise<{ address: string; family: number }> {
  try {
    return await abortable(family ? dns.promises.lookup(host, { family }) : dns.promises.lookup(host), signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw systemError(`Cannot resolve host "${host}"`, e);
  }
}

function toDatagram(msg: Buffer, rinfo: dgram.RemoteInfo, bufferSize: number): Datagram {
  const data = msg.length > bufferSize ? msg.subarray(0, bufferSize) : msg;
  return {
    data,
    text: data.toString("utf8"),
    length: msg.length,
    truncated: msg.length > bufferSize,
    from: { address: rinfo.address, port: rinfo.port },
  };
}

function toBytes(message: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof message === "string") bytes = Buffer.from(message, "utf8");
  else if (message instanceof Uint8Array) bytes = Buffer.from(message);
  else return invalidArg("message", message, "expected a string or a Uint8Array");
  if (bytes.length > MAX_DATAGRAM) throw tooBig(bytes.length);
  return bytes;
}

function tooBig(n: number): CdlabError {
  return new CdlabError("EMSGSIZE", `Cannot send a datagram of ${n} bytes: a UDP payload holds at most ${MAX_DATAGRAM} bytes`);
}

function checkHost(host: unknown): string {
  if (typeof host !== "string" || host.length === 0) invalidArg("host", host, "expected a host name or an IP address");
  return host as string;
}

function checkBufferSize(n: unknown): number {
  if (n === undefined) return JAVA_BUFFER_SIZE;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) {
    invalidArg("bufferSize", n, "expected an integer from 1 to 65535");
  }
  return n as number;
}

function describe(d: Datagram): string {
  return `${d.data.length} B${d.truncated ? ` (de ${d.length}, truncado)` : ""} "${d.text.slice(0, 20)}"`;
}

function preview(b: Buffer): string {
  return `${b.length} B "${b.toString("utf8", 0, Math.min(b.length, 40)).slice(0, 20)}"`;
}
