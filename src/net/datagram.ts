/**
 * What the UDP helpers share: the datagram type, Java's limits, binding,
 * host resolution (gethostbyname) and option checks.
 * @internal
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { abortable } from "../runtime/abort";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { untilListening } from "./listening";

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

/**
 * Bind a UDP socket; on failure close it and throw a one-line error that keeps the system's code
 * (`EADDRINUSE`…). The one bind helper of cdlab's UDP code (sockets, servers, the relay, the experiments).
 *
 * @param socket an unbound socket
 * @param port the port; 0 lets the system choose @default 0
 * @param host the local address @default "127.0.0.1"
 * @param what what the socket is, in pt-BR with its article, for the error message @default "o socket UDP"
 * @returns the bound port
 * @throws CdlabError `Não foi possível associar <what> a <host>:<port>: …` with the system's code
 * @example
 * ```ts
 * import dgram from "node:dgram";
 * import { bindUdp } from "./datagram";
 * const port = await bindUdp(dgram.createSocket("udp4"));
 * ```
 * @internal
 */
export async function bindUdp(socket: dgram.Socket, port = 0, host = "127.0.0.1", what = "o socket UDP"): Promise<number> {
  await untilListening(socket, () => socket.bind(port, host), `Não foi possível associar ${what} a ${host}:${port}`);
  return socket.address().port;
}

/** Resolve a host name like Java's `InetAddress.getByName` (gethostbyname). @internal */
export async function resolveHost(host: string, signal?: AbortSignal, family?: 4 | 6): Promise<{ address: string; family: number }> {
  try {
    return await abortable(family ? dns.promises.lookup(host, { family }) : dns.promises.lookup(host), signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw systemError(`Não foi possível resolver o host "${host}"`, e);
  }
}

/** @internal */
export function toDatagram(msg: Buffer, rinfo: dgram.RemoteInfo, bufferSize: number): Datagram {
  const data = msg.length > bufferSize ? msg.subarray(0, bufferSize) : msg;
  return {
    data,
    text: data.toString("utf8"),
    length: msg.length,
    truncated: msg.length > bufferSize,
    from: { address: rinfo.address, port: rinfo.port },
  };
}

/** @internal */
export function toBytes(message: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof message === "string") bytes = Buffer.from(message, "utf8");
  else if (message instanceof Uint8Array) bytes = Buffer.from(message);
  else return invalidArg("message", message, "esperado um texto ou um Uint8Array");
  if (bytes.length > MAX_DATAGRAM) throw tooBig(bytes.length);
  return bytes;
}

/** @internal */
export function tooBig(n: number): CdlabError {
  return new CdlabError("EMSGSIZE", `Não é possível enviar um datagrama de ${n} bytes: o conteúdo de um datagrama UDP tem no máximo ${MAX_DATAGRAM} bytes`);
}

/** @internal */
export function checkHost(host: unknown): string {
  if (typeof host !== "string" || host.length === 0) invalidArg("host", host, "esperado um nome de host ou um endereço IP");
  return host as string;
}

/** @internal */
export function checkBufferSize(n: unknown): number {
  if (n === undefined) return JAVA_BUFFER_SIZE;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) {
    invalidArg("bufferSize", n, "esperado um inteiro de 1 a 65535");
  }
  return n as number;
}

/** @internal */
export function describe(d: Datagram): string {
  return `${d.data.length} B${d.truncated ? ` (de ${d.length}, truncado)` : ""} "${d.text.slice(0, 20)}"`;
}

/** @internal */
export function preview(b: Buffer): string {
  return `${b.length} B "${b.toString("utf8", 0, Math.min(b.length, 40)).slice(0, 20)}"`;
}
