/**
 * IPv4 addressing with CIDR prefixes: parse `192.168.10.37/26` and get the
 * netmask, network, broadcast, host range, host count, and whether the address
 * is private, loopback, link-local or public.
 *
 * @example
 * ```ts
 * import { parseCidr } from "cdlab/lectures/02-redes";
 * parseCidr("192.168.10.37/26");
 * // { network: "192.168.10.0", broadcast: "192.168.10.63", firstHost: "192.168.10.1", hosts: 62, scope: "private", … }
 * ```
 */
import { CdlabError } from "../../runtime/errors";

/**
 * Parse a dotted-quad IPv4 address into a 32-bit unsigned number.
 *
 * @param text e.g. `"10.0.0.1"`
 * @returns the address as a number in 0…2³²−1
 * @throws CdlabError `ERR_INVALID_IP` naming the bad part
 * @example
 * ```ts
 * parseIPv4("10.0.0.1"); // 167772161
 * ```
 */
export function parseIPv4(text: string): number {
  if (typeof text !== "string") throw new CdlabError("ERR_INVALID_IP", `Endereço IPv4 inválido ${JSON.stringify(text)}: esperado um texto como "192.168.0.1"`);
  const parts = text.trim().split(".");
  if (parts.length !== 4) throw new CdlabError("ERR_INVALID_IP", `Endereço IPv4 inválido "${text}": esperados 4 números separados por pontos, veio ${parts.length}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) throw new CdlabError("ERR_INVALID_IP", `Endereço IPv4 inválido "${text}": "${p}" não é um número de 0 a 255`);
    const v = Number(p);
    if (v > 255) throw new CdlabError("ERR_INVALID_IP", `Endereço IPv4 inválido "${text}": ${v} é maior que 255`);
    n = n * 256 + v;
  }
  return n;
}

/**
 * Format a 32-bit number as a dotted-quad IPv4 address.
 *
 * @param n 0…2³²−1
 * @returns e.g. `"10.0.0.1"`
 * @example
 * ```ts
 * formatIPv4(167772161); // "10.0.0.1"
 * ```
 */
export function formatIPv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CdlabError("ERR_INVALID_IP", `Número IPv4 inválido ${n}: esperado um inteiro de 0 a 4294967295`);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** What kind of address it is. */
export type Scope = "private" | "public" | "loopback" | "link-local" | "multicast" | "shared (CGNAT)" | "reserved" | "unspecified";

/** Result of {@link parseCidr}. */
export interface CidrInfo {
  address: string;
  prefix: number;
  netmask: string;
  /** Wildcard (inverse) mask, as in ACLs. */
  wildcard: string;
  network: string;
  broadcast: string;
  /** First and last usable host (for /31 and /32 every address is usable). */
  firstHost: string;
  lastHost: string;
  /** Number of usable host addresses. */
  hosts: number;
  /** Total addresses in the block (2^(32−prefix)). */
  size: number;
  scope: Scope;
  /** The address in binary, network bits separated from host bits by a space. */
  binary: string;
}

const RANGES: [string, number, Scope][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared (CGNAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/**
 * Which range an address belongs to: private (RFC 1918), loopback, link-local,
 * shared CGNAT space, multicast, reserved, or public.
 *
 * @param address dotted quad
 * @returns the {@link Scope}
 * @example
 * ```ts
 * addressScope("172.20.1.1"); // "private"
 * ```
 */
export function addressScope(address: string): Scope {
  const a = parseIPv4(address);
  for (const [net, prefix, scope] of RANGES) if (inBlock(a, parseIPv4(net), prefix)) return scope;
  return "public";
}

/**
 * True when `address` lies in the block `cidr`.
 *
 * @param cidr the block, e.g. `"10.1.0.0/16"`
 * @param address a dotted quad
 * @returns whether the address is inside the block
 * @throws CdlabError `ERR_INVALID_IP` or `ERR_INVALID_CIDR`
 * @example
 * ```ts
 * cidrContains("10.1.0.0/16", "10.1.200.3"); // true
 * ```
 */
export function cidrContains(cidr: string, address: string): boolean {
  const { address: a, prefix } = splitCidr(cidr);
  return inBlock(parseIPv4(address), parseIPv4(a), prefix);
}

/**
 * Parse `address/prefix` and compute the block it belongs to.
 *
 * @param cidr e.g. `"192.168.10.37/26"` (a bare address means /32)
 * @returns the {@link CidrInfo}
 * @throws CdlabError `ERR_INVALID_IP` for a bad address, `ERR_INVALID_CIDR` for a bad prefix
 * @example
 * ```ts
 * parseCidr("10.0.0.5/8").broadcast; // "10.255.255.255"
 * ```
 */
export function parseCidr(cidr: string): CidrInfo {
  const { address, prefix } = splitCidr(cidr);
  const a = parseIPv4(address);
  const size = 2 ** (32 - prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (a & mask) >>> 0;
  const broadcast = (network + size - 1) >>> 0;
  const small = prefix >= 31;
  const bits = a.toString(2).padStart(32, "0");
  return {
    address,
    prefix,
    netmask: formatIPv4(mask),
    wildcard: formatIPv4(~mask >>> 0),
    network: formatIPv4(network),
    broadcast: formatIPv4(broadcast),
    firstHost: formatIPv4(small ? network : network + 1),
    lastHost: formatIPv4(small ? broadcast : broadcast - 1),
    hosts: small ? size : size - 2,
    size,
    scope: addressScope(address),
    binary: prefix === 0 ? " " + bits : prefix === 32 ? bits : `${bits.slice(0, prefix)} ${bits.slice(prefix)}`,
  };
}

function splitCidr(cidr: string): { address: string; prefix: number } {
  if (typeof cidr !== "string") throw new CdlabError("ERR_INVALID_CIDR", `CIDR inválido ${JSON.stringify(cidr)}: esperado um texto como "192.168.0.0/24"`);
  const [address, p, extra] = cidr.trim().split("/");
  if (extra !== undefined) throw new CdlabError("ERR_INVALID_CIDR", `CIDR inválido "${cidr}": mais de uma "/"`);
  parseIPv4(address);
  if (p === undefined) return { address, prefix: 32 };
  if (!/^\d{1,2}$/.test(p) || Number(p) > 32) throw new CdlabError("ERR_INVALID_CIDR", `CIDR inválido "${cidr}": o prefixo /${p} não é um inteiro de 0 a 32`);
  return { address, prefix: Number(p) };
}

function inBlock(a: number, net: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a & mask) >>> 0) === ((net & mask) >>> 0);
}
