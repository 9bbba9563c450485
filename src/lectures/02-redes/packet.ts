// Longer than 300 lines: the IPv4 and UDP headers, both checksums, the parser and the byte grid belong to one datagram and are read together.
/**
 * One UDP datagram, layer by layer: the application's payload, the UDP header
 * (ports, length, checksum over an IPv4 pseudo-header) and the IPv4 header
 * (with its own checksum). Build the bytes, parse them back, and draw them as
 * a colored hex table.
 *
 * @example
 * ```ts
 * import { buildUdpPacket, parseUdpPacket, showPacket } from "cdlab/lectures/02-redes";
 * const bytes = buildUdpPacket({ srcIp: "192.168.0.10", dstIp: "200.17.0.1", srcPort: 50000, dstPort: 53, payload: "oi" });
 * parseUdpPacket(bytes).udp.checksumOk; // true
 * showPacket(bytes);
 * ```
 */
import { CdlabError, invalidArg, validatePort } from "../../runtime/errors";
import { display, escapeHtml } from "../../runtime/display";
import { formatIPv4, parseIPv4 } from "./cidr";

/** Options of {@link buildUdpPacket}. */
export interface UdpPacketOptions {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** Text (sent as UTF-8) or bytes. */
  payload: string | Uint8Array;
  /** Time to live (hops). @default 64 */
  ttl?: number;
  /** IPv4 identification field. @default 0 */
  id?: number;
}

/** A parsed datagram (see {@link parseUdpPacket}). */
export interface ParsedUdpPacket {
  ip: {
    version: number;
    headerLength: number;
    tos: number;
    totalLength: number;
    id: number;
    dontFragment: boolean;
    moreFragments: boolean;
    fragmentOffset: number;
    ttl: number;
    protocol: number;
    checksum: number;
    checksumOk: boolean;
    src: string;
    dst: string;
  };
  udp: { srcPort: number; dstPort: number; length: number; checksum: number; checksumOk: boolean };
  payload: Uint8Array;
  /** The payload decoded as UTF-8. */
  text: string;
}

/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, complemented.
 *
 * @param bytes data (an odd length is padded with a zero byte)
 * @returns the 16-bit checksum
 * @example
 * ```ts
 * internetChecksum(new Uint8Array([0x45, 0x00, 0x00, 0x1c])); // 0xbae3
 * ```
 */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function udpChecksum(src: number, dst: number, udp: Uint8Array): number {
  const pseudo = new Uint8Array(12 + udp.length);
  const v = new DataView(pseudo.buffer);
  v.setUint32(0, src);
  v.setUint32(4, dst);
  v.setUint8(9, 17);
  v.setUint16(10, udp.length);
  pseudo.set(udp, 12);
  const c = internetChecksum(pseudo);
  return c === 0 ? 0xffff : c; // 0 means "no checksum" in UDP over IPv4
}

/**
 * Build an IPv4 packet carrying one UDP datagram.
 *
 * @param options addresses, ports, payload, TTL and id
 * @returns the packet bytes (20-byte IPv4 header + 8-byte UDP header + payload)
 * @throws CdlabError `ERR_INVALID_IP`, `ERR_INVALID_PORT` or `ERR_INVALID_ARG` naming the option
 * @example
 * ```ts
 * buildUdpPacket({ srcIp: "10.0.0.1", dstIp: "10.0.0.2", srcPort: 1234, dstPort: 7, payload: "eco" });
 * ```
 */
export function buildUdpPacket(options: UdpPacketOptions): Uint8Array {
  const { srcIp, dstIp, payload, ttl = 64, id = 0 } = options ?? ({} as UdpPacketOptions);
  const src = parseIPv4(srcIp), dst = parseIPv4(dstIp);
  const srcPort = validatePort(options.srcPort, "srcPort"), dstPort = validatePort(options.dstPort, "dstPort");
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) invalidArg("ttl", ttl, "esperado um inteiro de 0 a 255");
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) invalidArg("id", id, "esperado um inteiro de 0 a 65535");
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) invalidArg("payload", payload, "esperado um texto ou um Uint8Array");
  const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  if (data.length > 65507) invalidArg("payload", `${data.length} bytes`, "esperado no máximo 65507 bytes");
  const udp = new Uint8Array(8 + data.length);
  const u = new DataView(udp.buffer);
  u.setUint16(0, srcPort);
  u.setUint16(2, dstPort);
  u.setUint16(4, udp.length);
  udp.set(data, 8);
  u.setUint16(6, udpChecksum(src, dst, udp));
  const packet = new Uint8Array(20 + udp.length);
  const h = new DataView(packet.buffer);
  h.setUint8(0, 0x45); // version 4, header length 5 words
  h.setUint16(2, packet.length);
  h.setUint16(4, id);
  h.setUint16(6, 0x4000); // don't fragment
  h.setUint8(8, ttl);
  h.setUint8(9, 17); // UDP
  h.setUint32(12, src);
  h.setUint32(16, dst);
  h.setUint16(10, internetChecksum(packet.subarray(0, 20)));
  packet.set(udp, 20);
  return packet;
}

/**
 * Parse an IPv4 packet carrying UDP, checking both checksums.
 *
 * @param bytes the packet
 * @returns the IPv4 and UDP header fields, the payload and its text
 * @throws CdlabError `ERR_BAD_PACKET` saying what does not fit (too short, not IPv4, not UDP, lengths)
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // from buildUdpPacket
 * const p = parseUdpPacket(bytes); p.ip.ttl; p.udp.dstPort; p.text;
 * ```
 */
export function parseUdpPacket(bytes: Uint8Array): ParsedUdpPacket {
  const bad = (why: string) => new CdlabError("ERR_BAD_PACKET", `Pacote ilegível: ${why}`);
  if (!(bytes instanceof Uint8Array)) throw bad("esperado um Uint8Array");
  if (bytes.length < 20) throw bad(`${bytes.length} bytes é menos que um cabeçalho IPv4 (20)`);
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0] >> 4, headerLength = (bytes[0] & 15) * 4;
  if (version !== 4) throw bad(`versão do IP ${version}, esperada 4`);
  if (headerLength < 20 || headerLength > bytes.length) throw bad(`tamanho do cabeçalho IPv4 ${headerLength} inválido para ${bytes.length} bytes`);
  const totalLength = h.getUint16(2);
  if (totalLength !== bytes.length) throw bad(`o tamanho total do IPv4 diz ${totalLength} bytes, vieram ${bytes.length}`);
  const protocol = bytes[9];
  if (protocol !== 17) throw bad(`protocolo ${protocol}${protocol === 6 ? " (TCP)" : protocol === 1 ? " (ICMP)" : ""}, esperado 17 (UDP)`);
  if (bytes.length < headerLength + 8) throw bad("curto demais para um cabeçalho UDP");
  const flags = h.getUint16(6);
  const src = h.getUint32(12), dst = h.getUint32(16);
  const udpBytes = bytes.subarray(headerLength);
  const u = new DataView(udpBytes.buffer, udpBytes.byteOffset, udpBytes.byteLength);
  const udpLength = u.getUint16(4);
  if (udpLength !== udpBytes.length) throw bad(`o tamanho do UDP diz ${udpLength} bytes, vieram ${udpBytes.length}`);
  const checksum = u.getUint16(6);
  const zeroed = udpBytes.slice();
  zeroed[6] = zeroed[7] = 0;
  const payload = udpBytes.slice(8);
  return {
    ip: {
      version, headerLength, tos: bytes[1], totalLength, id: h.getUint16(4),
      dontFragment: (flags & 0x4000) !== 0, moreFragments: (flags & 0x2000) !== 0, fragmentOffset: flags & 0x1fff,
      ttl: bytes[8], protocol, checksum: h.getUint16(10), checksumOk: internetChecksum(bytes.subarray(0, headerLength)) === 0,
      src: formatIPv4(src), dst: formatIPv4(dst),
    },
    udp: { srcPort: u.getUint16(0), dstPort: u.getUint16(2), length: udpLength, checksum, checksumOk: checksum === 0 || udpChecksum(src, dst, zeroed) === checksum },
    payload,
    text: new TextDecoder().decode(payload),
  };
}

/** One field of a packet with where its bytes are (see {@link packetFields}). */
export interface PacketField {
  layer: "IPv4" | "UDP" | "dados";
  field: string;
  offset: number;
  length: number;
  value: string;
}

/**
 * The fields of a UDP/IPv4 packet in byte order, with offsets, for tables and drawings.
 *
 * @param bytes a packet {@link parseUdpPacket} accepts
 * @returns one entry per header field, then the payload
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { buildUdpPacket, packetFields } from "./packet";
 * const bytes = buildUdpPacket({ srcIp: "192.168.0.10", dstIp: "200.17.0.1", srcPort: 50000, dstPort: 53, payload: "oi" });
 * table(packetFields(bytes).map((f) => ({ camada: f.layer, campo: f.field, valor: f.value }))); // pt-BR headers for students
 * ```
 */
export function packetFields(bytes: Uint8Array): PacketField[] {
  const p = parseUdpPacket(bytes);
  const hex = (n: number) => "0x" + n.toString(16).padStart(4, "0");
  const ip = (field: string, offset: number, length: number, value: unknown): PacketField => ({ layer: "IPv4", field, offset, length, value: String(value) });
  const udp = (field: string, offset: number, length: number, value: unknown): PacketField => ({ layer: "UDP", field, offset: p.ip.headerLength + offset, length, value: String(value) });
  return [
    ip("versão + tamanho do cabeçalho", 0, 1, `${p.ip.version}, ${p.ip.headerLength} bytes`),
    ip("tipo de serviço", 1, 1, p.ip.tos),
    ip("tamanho total", 2, 2, `${p.ip.totalLength} bytes`),
    ip("identificação", 4, 2, p.ip.id),
    ip("flags + deslocamento", 6, 2, `${p.ip.dontFragment ? "DF" : ""}${p.ip.moreFragments ? " MF" : ""} ${p.ip.fragmentOffset}`.trim()),
    ip("TTL", 8, 1, p.ip.ttl),
    ip("protocolo", 9, 1, `${p.ip.protocol} (UDP)`),
    ip("checksum do cabeçalho", 10, 2, `${hex(p.ip.checksum)} ${p.ip.checksumOk ? "✓" : "✗"}`),
    ip("IP de origem", 12, 4, p.ip.src),
    ip("IP de destino", 16, 4, p.ip.dst),
    udp("porta de origem", 0, 2, p.udp.srcPort),
    udp("porta de destino", 2, 2, p.udp.dstPort),
    udp("tamanho UDP", 4, 2, `${p.udp.length} bytes`),
    udp("checksum UDP", 6, 2, `${hex(p.udp.checksum)} ${p.udp.checksumOk ? "✓" : "✗"}`),
    { layer: "dados", field: "payload", offset: p.ip.headerLength + 8, length: p.payload.length, value: JSON.stringify(p.text) },
  ];
}

const COLORS = { IPv4: "#cfe2ff", UDP: "#ffe5b4", dados: "#d4edda" } as const;

/**
 * Draw a packet's bytes as an HTML hex table, 16 bytes a row, colored by layer,
 * each byte's field in its tooltip.
 *
 * @param bytes a packet {@link parseUdpPacket} accepts
 * @returns the HTML
 * @example
 * ```ts
 * import { display } from "cdlab";
 * import { buildUdpPacket, packetHexTable } from "./packet";
 * const bytes = buildUdpPacket({ srcIp: "192.168.0.10", dstIp: "200.17.0.1", srcPort: 50000, dstPort: 53, payload: "oi" });
 * display.html(packetHexTable(bytes));
 * ```
 */
export function packetHexTable(bytes: Uint8Array): string {
  const fields = packetFields(bytes);
  const owner = (i: number) => fields.find((f) => i >= f.offset && i < f.offset + f.length) ?? fields[fields.length - 1];
  const rows: string[] = [];
  for (let r = 0; r < bytes.length; r += 16) {
    const cells: string[] = [`<td style="color:#888;font-family:monospace">${r.toString(16).padStart(4, "0")}</td>`];
    for (let i = r; i < Math.min(r + 16, bytes.length); i++) {
      const f = owner(i);
      cells.push(`<td title="${escapeHtml(`${f.layer}: ${f.field} = ${f.value}`)}" style="background:${COLORS[f.layer]};font-family:monospace;padding:2px 4px">${bytes[i].toString(16).padStart(2, "0")}</td>`);
    }
    rows.push(`<tr>${cells.join("")}</tr>`);
  }
  const legend = Object.entries(COLORS).map(([k, c]) => `<span style="background:${c};padding:2px 6px;margin-right:6px">${k}</span>`).join("");
  return `<div>${legend}<table style="border-collapse:collapse;margin-top:4px">${rows.join("")}</table></div>`;
}

/**
 * Draw a packet's bytes as an SVG hex grid, 16 bytes a row, colored by layer,
 * each byte's field in its tooltip (an SVG image shows the same in JupyterLab,
 * in an exported notebook and on a code-hosting site).
 *
 * @param bytes a packet {@link parseUdpPacket} accepts
 * @returns the SVG document
 * @throws CdlabError `ERR_BAD_PACKET` when the bytes do not parse
 * @example
 * ```ts
 * import { display } from "cdlab";
 * import { buildUdpPacket, packetSvg } from "./packet";
 * const bytes = buildUdpPacket({ srcIp: "192.168.0.10", dstIp: "200.17.0.1", srcPort: 50000, dstPort: 53, payload: "oi" });
 * display.svg(packetSvg(bytes));
 * ```
 */
export function packetSvg(bytes: Uint8Array): string {
  const fields = packetFields(bytes);
  const owner = (i: number) => fields.find((f) => i >= f.offset && i < f.offset + f.length) ?? fields[fields.length - 1];
  const cw = 30, ch = 24, left = 48, top = 30;
  const rows = Math.ceil(bytes.length / 16);
  const width = left + 16 * cw + 10, height = top + rows * ch + 10;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`, `<rect width="100%" height="100%" fill="white"/>`];
  let x = 4;
  for (const [layer, color] of Object.entries(COLORS)) {
    out.push(`<rect x="${x}" y="4" width="12" height="12" fill="${color}" stroke="#999"/><text x="${x + 16}" y="14" font-family="sans-serif">${layer}</text>`);
    x += 24 + layer.length * 8;
  }
  for (let i = 0; i < bytes.length; i++) {
    const f = owner(i);
    const cx = left + (i % 16) * cw, cy = top + Math.floor(i / 16) * ch;
    if (i % 16 === 0) out.push(`<text x="4" y="${cy + 16}" fill="#888">${i.toString(16).padStart(4, "0")}</text>`);
    const edge = i === f.offset ? ' stroke="#333"' : ' stroke="#bbb"';
    out.push(`<g><title>${escapeHtml(`${f.layer}: ${f.field} = ${f.value}`)}</title><rect x="${cx}" y="${cy}" width="${cw - 2}" height="${ch - 2}" fill="${COLORS[f.layer]}"${edge}/><text x="${cx + (cw - 2) / 2}" y="${cy + 15}" text-anchor="middle">${bytes[i].toString(16).padStart(2, "0")}</text></g>`);
  }
  out.push("</svg>");
  return out.join("\n");
}

/**
 * Show a packet's bytes ({@link packetSvg}) in the notebook (plain hex outside it).
 *
 * @param bytes a packet {@link parseUdpPacket} accepts
 * @returns nothing; the drawing is displayed
 * @throws CdlabError `ERR_BAD_PACKET` when the bytes do not parse
 * @example
 * ```ts
 * showPacket(buildUdpPacket({ srcIp: "10.0.0.1", dstIp: "10.0.0.2", srcPort: 1234, dstPort: 7, payload: "eco" }));
 * ```
 */
export function showPacket(bytes: Uint8Array): void {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
  display.raw({ "image/svg+xml": packetSvg(bytes), "text/plain": hex });
}
