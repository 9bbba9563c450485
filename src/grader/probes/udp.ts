/**
 * Probe `udp({ send, parallel?, timeoutMs? })`: datagrams sent to the cell's
 * target port (127.0.0.1), one fresh socket each; the result is one
 * `{ text, length, from }` per text, `text: null` when no reply came.
 */
import dgram from "node:dgram";
import type { ProbeKind } from "../probe";

/** Datagrams sent to the cell's target port (127.0.0.1), one fresh socket each. */
export interface UdpProbeSpec {
  kind: "udp";
  /** Texts to send (UTF-8), in order. */
  send: string[];
  /** Send all at once, from as many sockets, instead of one after the other. @default false */
  parallel?: boolean;
  /** How long to wait for each reply. @default 2000 */
  timeoutMs?: number;
}

/** A UDP probe's result: one entry per datagram sent, `text: null` when no reply came. */
export type UdpProbeResult = { text: string | null; length: number; from: number | null }[];

function udpOnce(text: string, port: number, timeoutMs: number): Promise<UdpProbeResult[number]> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    const done = (r: UdpProbeResult[number]) => {
      clearTimeout(timer);
      s.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ text: null, length: 0, from: null }), timeoutMs);
    s.on("error", () => done({ text: null, length: 0, from: null }));
    s.on("message", (msg, rinfo) => done({ text: msg.toString("utf8"), length: msg.length, from: rinfo.port }));
    s.bind(0, "127.0.0.1", () => s.send(text, port, "127.0.0.1"));
  });
}

export const probe: ProbeKind<UdpProbeSpec> = {
  kind: "udp",
  declaration: "udp",
  build: (o: Omit<UdpProbeSpec, "kind">) => {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (!Array.isArray(o?.send) || !o.send.every((t) => typeof t === "string")) throw new TypeError("udp(): send must be an array of strings");
    return { kind: "udp", ...o };
  },
  async run(spec, { port }, { report }) {
    if (port === undefined) return undefined;
    const ms = spec.timeoutMs ?? 2000;
    const out: UdpProbeResult = [];
    if (spec.parallel) out.push(...(await Promise.all(spec.send.map((t) => udpOnce(t, port, ms)))));
    else for (const t of spec.send) out.push(await udpOnce(t, port, ms));
    report(out);
    return {};
  },
};
