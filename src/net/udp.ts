/**
 * UDP, as in the lecture's `UDPServer` / `UDPClient` (port 6789): datagrams,
 * no connection, no retransmission, no ordering. A datagram is received into a
 * 1000-byte buffer like Java's `new DatagramPacket(new byte[1000], 1000)`, so a
 * longer one is truncated exactly as `DatagramPacket` truncates it.
 *
 * @example
 * ```ts
 * import { udpServer, udpRequest } from "cdlab/net";
 * const server = await udpServer({ port: 0, name: "eco-udp" });
 * const reply = await udpRequest("olá", { port: server.port });
 * reply.text; // "olá"
 * await server.close();
 * ```
 */
import dgram from "node:dgram";
import { throwIfAborted } from "../runtime/abort";
import { CdlabError, invalidArg, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { replaceNamed } from "../runtime/registry";
import {
  bindUdp,
  checkBufferSize,
  checkHost,
  describe,
  MAX_DATAGRAM,
  preview,
  resolveHost,
  toBytes,
  toDatagram,
  tooBig,
  type Datagram,
  type UdpReply,
} from "./datagram";
import type { Trace } from "./trace";
import { udpSocket } from "./udp-socket";

export { JAVA_BUFFER_SIZE, MAX_DATAGRAM } from "./datagram";
export type { Datagram, UdpReply } from "./datagram";
export { udpSocket } from "./udp-socket";
export type { UdpSocket, UdpSocketOptions } from "./udp-socket";

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
  if (typeof handler !== "function") invalidArg("handler", handler, "esperado uma função");
  const trace = options.trace;
  const life = trace ? trace.lifeline("servidor") : "servidor";
  await replaceNamed(options.name);

  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  trace?.record(life, "socket", "SOCK_DGRAM");
  const errors: Error[] = [];
  let received = 0;
  let closed = false;
  const bound = await bindUdp(socket, port, host, "o servidor UDP");
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

  return makeHandle(
    {
      host,
      port: bound,
      get received() {
        return received;
      },
      errors,
    },
    {
      kind: "udp-socket",
      name: options.name,
      label: `udp ${host}:${bound}`,
      release: async () => {
        closed = true;
        trace?.record(life, "close");
        await new Promise<void>((r) => socket.close(() => r()));
      },
    },
  );
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
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) invalidArg("timeoutMs", timeoutMs, "esperado um número de milissegundos ≥ 0");
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
        throw new CdlabError("ETIMEDOUT", `Nenhuma resposta de ${host}:${port} em ${timeoutMs} ms (o UDP não retransmite: o pedido ou a resposta se perdeu, ou nenhum servidor está escutando)`);
      }
      throw e;
    });
  } finally {
    await s.close();
  }
}
