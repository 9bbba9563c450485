/**
 * Ports: a table of well-known ports, and the TCP and UDP ports that are
 * listening on this machine right now, read from Linux's `/proc/net/tcp`,
 * `tcp6`, `udp` and `udp6`.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { listeningPorts, WELL_KNOWN_PORTS } from "cdlab/lectures/02-redes";
 * table((await listeningPorts()).map((p) => ({ protocolo: p.protocol, endereço: p.address, porta: p.port, "só loopback": p.loopbackOnly })));
 * ```
 */
import fs from "node:fs/promises";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { throwIfAborted } from "../../runtime/abort";

/** One well-known port. */
export interface WellKnownPort {
  port: number;
  protocol: "tcp" | "udp" | "tcp/udp";
  service: string;
}

/**
 * A selection of IANA ports: well-known ones (0–1023, the traditional services) and common registered
 * ones (1024–49151). {@link portRange} tells which range a port is in.
 */
export const WELL_KNOWN_PORTS: readonly WellKnownPort[] = [
  { port: 20, protocol: "tcp", service: "FTP (dados)" },
  { port: 21, protocol: "tcp", service: "FTP (controle)" },
  { port: 22, protocol: "tcp", service: "SSH" },
  { port: 23, protocol: "tcp", service: "Telnet" },
  { port: 25, protocol: "tcp", service: "SMTP" },
  { port: 53, protocol: "tcp/udp", service: "DNS" },
  { port: 67, protocol: "udp", service: "DHCP (servidor)" },
  { port: 68, protocol: "udp", service: "DHCP (cliente)" },
  { port: 69, protocol: "udp", service: "TFTP" },
  { port: 80, protocol: "tcp", service: "HTTP" },
  { port: 110, protocol: "tcp", service: "POP3" },
  { port: 111, protocol: "tcp/udp", service: "RPC portmapper (NFS)" },
  { port: 123, protocol: "udp", service: "NTP" },
  { port: 143, protocol: "tcp", service: "IMAP" },
  { port: 161, protocol: "udp", service: "SNMP" },
  { port: 389, protocol: "tcp", service: "LDAP" },
  { port: 443, protocol: "tcp", service: "HTTPS" },
  { port: 445, protocol: "tcp", service: "SMB" },
  { port: 514, protocol: "udp", service: "syslog" },
  { port: 587, protocol: "tcp", service: "SMTP (submissão)" },
  { port: 993, protocol: "tcp", service: "IMAPS" },
  { port: 2049, protocol: "tcp/udp", service: "NFS" },
  { port: 3306, protocol: "tcp", service: "MySQL" },
  { port: 5060, protocol: "tcp/udp", service: "SIP" },
  { port: 5432, protocol: "tcp", service: "PostgreSQL" },
  { port: 8888, protocol: "tcp", service: "Jupyter (padrão)" },
];

/** The three IANA port ranges (RFC 6335). */
export type PortRange = "well-known" | "registrada" | "dinâmica";

/**
 * The IANA range of a port: 0–1023 well-known (system services; binding them needs privilege on
 * Linux), 1024–49151 registered (services registered with IANA, any user may bind them),
 * 49152–65535 dynamic or private (never registered: the temporary ports of clients).
 *
 * @param port 0 to 65535
 * @returns the range's name, in pt-BR as notebooks show it
 * @example
 * ```ts
 * portRange(53);    // "well-known"
 * portRange(5432);  // "registrada"
 * portRange(50000); // "dinâmica"
 * ```
 */
export function portRange(port: number): PortRange {
  if (!Number.isInteger(port) || port < 0 || port > 65535) invalidArg("port", port, "esperado um inteiro de 0 a 65535");
  return port < 1024 ? "well-known" : port < 49152 ? "registrada" : "dinâmica";
}

/**
 * The range from which this Linux machine picks a client's temporary (ephemeral) port, read from
 * `/proc/sys/net/ipv4/ip_local_port_range` (Linux's default, 32768–60999, differs from IANA's 49152–65535).
 *
 * @returns first and last port
 * @throws CdlabError `ENOENT` when the file is not there (not Linux)
 * @example
 * ```ts
 * const { first, last } = await ephemeralPortRange();
 * ```
 */
export async function ephemeralPortRange(): Promise<{ first: number; last: number }> {
  const text = await fs.readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => {
    throw new CdlabError("ENOENT", 'Não foi possível ler a faixa de portas efêmeras: "/proc/sys/net/ipv4/ip_local_port_range" não existe (isto precisa de Linux)');
  });
  const [first, last] = text.trim().split(/\s+/).map(Number);
  return { first, last };
}

/** One listening socket (see {@link listeningPorts}). */
export interface ListeningPort {
  protocol: "tcp" | "tcp6" | "udp" | "udp6";
  address: string;
  port: number;
  /** Only the loopback interface (127.0.0.0/8 or ::1). */
  loopbackOnly: boolean;
  /** The well-known service on this port, if any. */
  service?: string;
  /** Socket inode (matches /proc/<pid>/fd links). */
  inode: number;
}

/**
 * Decode a `/proc/net/{tcp,udp}[6]` hex address (`0100007F:1F90`) into text and port.
 *
 * @param hex the `local_address` column
 * @returns address (dotted quad or IPv6) and port
 * @example
 * ```ts
 * decodeProcAddress("0100007F:1F90"); // { address: "127.0.0.1", port: 8080 }
 * ```
 */
export function decodeProcAddress(hex: string): { address: string; port: number } {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(hex);
  if (!m) throw new CdlabError("ERR_PARSE", `Endereço ilegível em /proc/net "${hex}": esperado HEXADDR:HEXPORT`);
  const port = parseInt(m[2], 16);
  const words = m[1].match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join("")); // each 32-bit word is little-endian
  if (words.length === 1) return { address: words[0].match(/../g)!.map((b) => parseInt(b, 16)).join("."), port };
  const full = words.join("").toLowerCase();
  const groups = full.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  if (full.startsWith("00000000000000000000ffff")) return { address: "::ffff:" + decodeProcAddress(words[3].match(/../g)!.reverse().join("") + ":0000").address, port };
  return { address: compressIPv6(groups), port };
}

/** RFC 5952 text: the longest run (2+) of zero groups becomes "::". */
function compressIPv6(groups: string[]): string {
  let best = -1, bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(":");
  return groups.slice(0, best).join(":") + "::" + groups.slice(best + bestLen).join(":");
}

/**
 * The TCP sockets in LISTEN state and the bound UDP sockets of this machine's
 * network namespace, sorted by port.
 *
 * @param options.signal abort the read
 * @returns one entry per listening socket
 * @throws CdlabError `ENOENT` when /proc/net is not available (not Linux)
 * @example
 * ```ts
 * (await listeningPorts()).filter((p) => p.protocol.startsWith("tcp"));
 * ```
 */
export async function listeningPorts(options: { signal?: AbortSignal } = {}): Promise<ListeningPort[]> {
  const out: ListeningPort[] = [];
  let found = 0;
  for (const protocol of ["tcp", "tcp6", "udp", "udp6"] as const) {
    throwIfAborted(options.signal);
    let text: string;
    try {
      text = await fs.readFile(`/proc/net/${protocol}`, { encoding: "utf8", signal: options.signal });
      found++;
    } catch (e) {
      if ((e as Error).name === "AbortError") throw options.signal?.reason ?? e;
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const state = cols[3];
      // TCP: 0A = LISTEN. UDP: 07 = unconnected (bound, receiving from anyone).
      if (protocol.startsWith("tcp") ? state !== "0A" : state !== "07") continue;
      const { address, port } = decodeProcAddress(cols[1]);
      const proto = protocol.startsWith("tcp") ? "tcp" : "udp";
      const wk = WELL_KNOWN_PORTS.find((w) => w.port === port && w.protocol.includes(proto));
      out.push({ protocol, address, port, loopbackOnly: address.startsWith("127.") || address === "::1", service: wk?.service, inode: Number(cols[9]) });
    }
  }
  if (found === 0) throw new CdlabError("ENOENT", "Não foi possível listar as portas em escuta: /proc/net não existe (isto precisa de Linux)");
  return out.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
