/**
 * Framing shared by the TCP probes (not a kind: it exports no `probe`):
 * `writeUTF`'s frame (2-byte big-endian length, then the UTF-8 bytes) or a
 * line ending in `\n`.
 */

/** How texts travel on a TCP probe's connection. */
export type Framing = "utf" | "line";

/** The bytes of one frame. */
export function frameOf(text: string, framing: Framing): Buffer {
  const body = Buffer.from(text, "utf8");
  if (framing === "line") return Buffer.concat([body, Buffer.from("\n")]);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(Math.min(body.length, 65535));
  return Buffer.concat([head, body]);
}

/** Collects bytes and cuts complete frames (their bodies) in order. */
export class FrameReader {
  private pending = Buffer.alloc(0);
  constructor(private readonly framing: Framing) {}

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
  }

  /** The next complete frame's body, or undefined. */
  next(): Buffer | undefined {
    if (this.framing === "line") {
      const nl = this.pending.indexOf(0x0a);
      if (nl < 0) return undefined;
      const body = this.pending.subarray(0, nl);
      this.pending = this.pending.subarray(nl + 1);
      return body;
    }
    if (this.pending.length < 2) return undefined;
    const size = this.pending.readUInt16BE(0);
    if (this.pending.length < 2 + size) return undefined;
    const body = this.pending.subarray(2, 2 + size);
    this.pending = this.pending.subarray(2 + size);
    return body;
  }
}
