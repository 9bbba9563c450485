/**
 * Probe `tcp({ send, framing?, parallel?, chunk?, timeoutMs? })`: a client of
 * the grader's, like the lecture's Java `TCPClient`: it connects to the cell's
 * target port (127.0.0.1), sends each text as a frame (`writeUTF`'s 2-byte
 * big-endian length + UTF-8, or a line) and reads one reply frame before the
 * next. The result is one `{ text, length }` per text sent (`length` in bytes;
 * `text: null` when no reply came).
 */
import net from "node:net";
import type { ProbeKind } from "../probe";
import { frameOf, FrameReader, type Framing } from "./tcp-framing";

/** A TCP client of the grader's. */
export interface TcpProbeSpec {
  kind: "tcp";
  /** Texts to send, in order (texts of the Basic Multilingual Plane without U+0000: `writeUTF` sends them as UTF-8). */
  send: string[];
  /** `"utf"`: `writeUTF` / `readUTF` frames; `"line"`: a text and `\n`. @default "utf" */
  framing?: Framing;
  /** One connection per text, all open at once, instead of every text on one connection. @default false */
  parallel?: boolean;
  /** Write each frame in pieces of this many bytes, 20 ms apart (frames split in the length, in a character). */
  chunk?: number;
  /** How long to wait for each reply. @default 3000 */
  timeoutMs?: number;
}

/** A TCP probe's result: a reply per text sent (in the order of `send`). */
export type TcpProbeResult = { text: string | null; length: number }[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One connection: connect, then for each text write its frame and wait for one reply. */
async function session(texts: string[], port: number, spec: TcpProbeSpec): Promise<TcpProbeResult> {
  const framing = spec.framing ?? "utf";
  const reader = new FrameReader(framing);
  const sock = net.connect(port, "127.0.0.1");
  sock.on("error", () => {});
  let wake: (() => void) | undefined;
  let ended = false;
  sock.on("data", (d) => (reader.push(d), wake?.()));
  sock.on("close", () => ((ended = true), wake?.()));
  const connected = await new Promise<boolean>((resolve) => (sock.once("connect", () => resolve(true)), sock.once("close", () => resolve(false))));
  const out: TcpProbeResult = [];
  for (const text of texts) {
    if (!connected || ended) {
      out.push({ text: null, length: 0 });
      continue;
    }
    const frame = frameOf(text, framing);
    const step = spec.chunk && spec.chunk > 0 ? spec.chunk : frame.length;
    for (let i = 0; i < frame.length; i += step) {
      if (i > 0) await sleep(20);
      sock.write(frame.subarray(i, i + step));
    }
    const until = Date.now() + (spec.timeoutMs ?? 3000);
    let reply = reader.next();
    while (!reply && !ended && Date.now() < until) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, until - Date.now());
        wake = () => (clearTimeout(t), r());
      });
      reply = reader.next();
    }
    out.push(reply ? { text: reply.toString("utf8"), length: reply.length } : { text: null, length: 0 });
  }
  sock.destroy();
  return out;
}

export const probe: ProbeKind<TcpProbeSpec> = {
  kind: "tcp",
  declaration: "tcp",
  build: (o: Omit<TcpProbeSpec, "kind">) => {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (!Array.isArray(o?.send) || !o.send.every((t) => typeof t === "string")) throw new TypeError("tcp(): send must be an array of strings");
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (o.framing !== undefined && o.framing !== "utf" && o.framing !== "line") throw new TypeError('tcp(): framing must be "utf" or "line"');
    return { kind: "tcp", ...o };
  },
  async run(spec, { port }, { report }) {
    if (port === undefined) return undefined;
    const results = spec.parallel ? (await Promise.all(spec.send.map((t) => session([t], port, spec)))).flat() : await session(spec.send, port, spec);
    report(results);
    return {};
  },
};
