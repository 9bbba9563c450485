/**
 * A UDP socket (Java's `DatagramSocket`): send datagrams to any address, wait
 * for the next one with a timeout or an AbortSignal.
 *
 * @example
 * ```ts
 * import { udpSocket } from "cdlab/net";
 * const s = await udpSocket();
 * await s.send("oi", { port: 6789 });
 * (await s.receive({ timeoutMs: 1000 })).text;
 * await s.close();
 * ```
 */
import dgram from "node:dgram";
import net from "node:net";
import { abortable, throwIfAborted } from "../runtime/abort";
import { CdlabError, invalidArg, systemError, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { replaceNamed } from "../runtime/registry";
import { bindUdp, checkBufferSize, checkHost, describe, preview, toBytes, toDatagram, type Datagram } from "./datagram";
import type { Trace } from "./trace";

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
  if (type !== "udp4" && type !== "udp6") invalidArg("type", type, 'esperado "udp4" ou "udp6"');
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
  socket.on("error", (e) => fail(systemError("Erro no socket UDP", e)));
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
    port = await bindUdp(socket, localPort, localHost, "o socket UDP");
    trace?.record(life, "bind", `${localHost}:${port}`);
  }

  // Interrupting the cell that opened this socket closes it: a pending receive rejects with EINTR.
  const interrupt = () => {
    interrupted = true;
    void handle.close();
  };
  const release = async () => {
    closed = true;
    const err = interrupted
      ? new CdlabError("EINTR", "Interrompido enquanto esperava um datagrama")
      : new CdlabError("ERR_SOCKET_CLOSED", "O socket UDP foi fechado enquanto esperava um datagrama");
    for (const w of waiters) w.reject(err);
    waiters.clear();
    trace?.record(life, "close");
    await new Promise<void>((r) => socket.close(() => r()));
  };
  const label = port ? `udp ${localHost}:${port}` : "udp client";
  const handle: UdpSocket = makeHandle({
    lifeline: life,
    type,
    get port() {
      return port;
    },
    async send(message, to = {}) {
      if (closed) throw new CdlabError("ERR_SOCKET_CLOSED", "Não é possível enviar: o socket UDP está fechado");
      const bytes = toBytes(message);
      const dport = validatePort(to.port ?? 6789, "port");
      const dhost = checkHost(to.host ?? "127.0.0.1");
      if (net.isIP(dhost) && port) {
        // An address and a bound socket: nothing to wait for (UDP send does not
        // block); a late error fails the socket's pending and next receives.
        trace?.record(life, "send", preview(bytes), { local: port, peer: dport });
        socket.send(bytes, dport, dhost, (e) => e && fail(systemError(`Não foi possível enviar o datagrama para ${dhost}:${dport}`, e)));
        return;
      }
      await new Promise<void>((resolve, reject) => {
        socket.send(bytes, dport, dhost, (e) => (e ? reject(e) : resolve()));
      }).catch((e) => {
        throw systemError(`Não foi possível enviar o datagrama para ${dhost}:${dport}`, e);
      });
      if (!port) port = socket.address().port;
      trace?.record(life, "send", preview(bytes), { local: port, peer: dport });
    },
    receive(opts = {}) {
      const { timeoutMs, signal } = opts;
      if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
        invalidArg("timeoutMs", timeoutMs, "esperado um número de milissegundos ≥ 0");
      }
      try {
        throwIfAborted(signal);
      } catch (e) {
        return Promise.reject(e);
      }
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new CdlabError("ERR_SOCKET_CLOSED", "Não é possível receber: o socket UDP está fechado"));
      let timer: NodeJS.Timeout | undefined;
      let waiter!: { resolve: (d: Datagram) => void; reject: (e: Error) => void };
      const p = new Promise<Datagram>((resolve, reject) => {
        waiter = { resolve, reject };
        waiters.add(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            waiters.delete(waiter);
            reject(new CdlabError("ETIMEDOUT", `Nenhum datagrama chegou em ${timeoutMs} ms (o UDP não retransmite: o pedido ou a resposta pode ter se perdido, ou nenhum servidor está escutando)`));
          }, timeoutMs);
        }
      }).finally(() => clearTimeout(timer));
      return abortable(p, signal, () => {
        waiters.delete(waiter);
        clearTimeout(timer);
      });
    },
  }, { kind: "udp-socket", name: options.name, label, interrupt, release });
  return handle;
}
