/**
 * Java's `DataOutputStream.writeUTF` / `DataInputStream.readUTF` framing, byte
 * for byte: a 2-byte big-endian length, then the string in Java's *modified*
 * UTF-8 (see `java.io.DataInput`). It differs from standard UTF-8 in two ways:
 *
 * - U+0000 is written as the two bytes `C0 80`, never as a single `00` byte;
 * - characters outside the BMP (e.g. 𝄞 U+1D11E) are written as their two UTF-16
 *   surrogates, each as a 3-byte sequence (6 bytes, "CESU-8" style), never as
 *   one 4-byte sequence.
 *
 * The encoded form is limited to 65535 bytes (the length field is 16 bits); Java
 * throws `UTFDataFormatException: encoded string too long: N bytes`, and so do we
 * (code `ERR_UTF_TOO_LONG`).
 *
 * @example
 * ```ts
 * import { writeUTF, readUTF } from "cdlab/net";
 * const frame = writeUTF("olá\u0000"); // <00 06 6f 6c c3 a1 c0 80>
 * readUTF(frame);                     // { value: "olá\u0000", bytes: 8 }
 * ```
 */
import { isAscii, isUtf8 } from "node:buffer";
import { CdlabError } from "../runtime/errors";

const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]); // U+FFFD, what UTF-8 makes of a lone surrogate
const FOUR_BYTE_LEADS = [0xf0, 0xf1, 0xf2, 0xf3, 0xf4];

/**
 * Standard UTF-8 of `s` when it is also its modified UTF-8 (no U+0000, no
 * supplementary character, no lone surrogate), else undefined. Native code only:
 * this is the fast path for ordinary text.
 */
function plainUtf8(s: string): Buffer | undefined {
  const b = Buffer.from(s, "utf8");
  return isPlain(b) ? b : undefined;
}

/** UTF-8 bytes that are also modified UTF-8 of the same string. */
function isPlain(b: Buffer): boolean {
  if (b.indexOf(0) >= 0 || b.indexOf(REPLACEMENT) >= 0) return false;
  for (const lead of FOUR_BYTE_LEADS) if (b.indexOf(lead) >= 0) return false;
  return true;
}

/** The largest encoded length `writeUTF` accepts (its length field is 16 bits). */
export const MAX_UTF_BYTES = 65535;

/**
 * How many bytes `s` takes in modified UTF-8 (without the 2-byte length).
 *
 * @param s any JavaScript string (lone surrogates included)
 * @returns the encoded length in bytes
 * @example
 * ```ts
 * modifiedUtf8Length("𝄞"); // 6 (two surrogates, 3 bytes each)
 * ```
 */
export function modifiedUtf8Length(s: string): number {
  if (s.length > 64) return encodeModifiedUtf8(s).length;
  return countBytes(s);
}

function countBytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
  }
  return n;
}

/**
 * Encode a string in Java's modified UTF-8 (no length prefix), one UTF-16 code
 * unit at a time, exactly as `DataOutputStream.writeUTF` does.
 *
 * @param s the string
 * @returns the encoded bytes
 * @example
 * ```ts
 * encodeModifiedUtf8("\u0000"); // <Buffer c0 80>
 * ```
 */
export function encodeModifiedUtf8(s: string): Buffer {
  const plain = plainUtf8(s);
  if (plain) return plain; // the same bytes (fast path)
  const out = Buffer.allocUnsafe(countBytes(s));
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x0001 && c <= 0x007f) {
      out[p++] = c;
    } else if (c <= 0x07ff) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

/**
 * Decode Java's modified UTF-8 as `DataInputStream.readUTF` does (it also
 * accepts a plain `00` byte, as Java does).
 *
 * @param bytes the encoded bytes (no length prefix)
 * @returns the string
 * @throws CdlabError `ERR_UTF_DATA_FORMAT` on malformed input, with Java's wording
 * @example
 * ```ts
 * decodeModifiedUtf8(Buffer.from([0xc0, 0x80])); // "\u0000"
 * ```
 */
export function decodeModifiedUtf8(bytes: Uint8Array): string {
  // Fast path: valid UTF-8 with no 4-byte sequence decodes the same both ways
  // (Java rejects F0–F4 lead bytes; isUtf8 already rejects overlongs and surrogates).
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (isAscii(buf)) return buf.toString("latin1"); // a 00 byte is U+0000 for Java too
  if (isUtf8(buf) && FOUR_BYTE_LEADS.every((b) => buf.indexOf(b) < 0)) return buf.toString("utf8");
  const units: number[] = [];
  let chunks = "";
  const n = bytes.length;
  let i = 0;
  const bad = (at: number) =>
    new CdlabError("ERR_UTF_DATA_FORMAT", `UTF-8 modificado malformado: entrada inválida perto do byte ${at}`);
  while (i < n) {
    const a = bytes[i];
    switch (a >> 4) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        units.push(a);
        i += 1;
        break;
      case 12: case 13: {
        if (i + 2 > n) throw new CdlabError("ERR_UTF_DATA_FORMAT", "UTF-8 modificado malformado: caractere incompleto no final");
        const b = bytes[i + 1];
        if ((b & 0xc0) !== 0x80) throw bad(i + 1);
        units.push(((a & 0x1f) << 6) | (b & 0x3f));
        i += 2;
        break;
      }
      case 14: {
        if (i + 3 > n) throw new CdlabError("ERR_UTF_DATA_FORMAT", "UTF-8 modificado malformado: caractere incompleto no final");
        const b = bytes[i + 1];
        const c = bytes[i + 2];
        if ((b & 0xc0) !== 0x80 || (c & 0xc0) !== 0x80) throw bad(i + 1);
        units.push(((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f));
        i += 3;
        break;
      }
      default:
        throw bad(i);
    }
    if (units.length >= 4096) {
      chunks += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return chunks + String.fromCharCode(...units);
}

/**
 * Frame a string as `writeUTF` does: 2-byte big-endian length + modified UTF-8.
 *
 * @param s the string
 * @returns the frame's bytes
 * @throws CdlabError `ERR_UTF_TOO_LONG` when the encoding exceeds 65535 bytes
 * @example
 * ```ts
 * writeUTF("oi"); // <Buffer 00 02 6f 69>
 * ```
 */
export function writeUTF(s: string): Buffer {
  if (typeof s !== "string") throw new CdlabError("ERR_INVALID_ARG", `Mensagem inválida (${JSON.stringify(s)}): esperado um texto`);
  // Fast path: encode as UTF-8 straight into the frame, keep it if no byte differs.
  const n = Buffer.byteLength(s, "utf8");
  if (n <= MAX_UTF_BYTES) {
    const out = Buffer.allocUnsafe(2 + n);
    out.writeUInt16BE(n, 0);
    out.write(s, 2, "utf8");
    // ASCII text (as many bytes as characters) only needs the U+0000 check.
    if (n === s.length ? out.indexOf(0, 2) < 0 : isPlain(out.subarray(2))) return out;
  }
  const body = encodeModifiedUtf8(s);
  const len = body.length;
  if (len > MAX_UTF_BYTES) {
    throw new CdlabError(
      "ERR_UTF_TOO_LONG",
      `Não é possível enviar a mensagem com writeUTF: texto codificado longo demais: ${len} bytes (o limite é ${MAX_UTF_BYTES})`,
    );
  }
  const out = Buffer.allocUnsafe(2 + len);
  out.writeUInt16BE(len, 0);
  body.copy(out, 2);
  return out;
}

/**
 * Read one `writeUTF` frame from the start of `buf` (at `offset`).
 *
 * @param buf bytes that start with a frame
 * @param offset where the frame starts @default 0
 * @returns the string and how many bytes the frame took, or `undefined` when
 *   `buf` does not yet hold the whole frame
 * @throws CdlabError `ERR_UTF_DATA_FORMAT` when the body is malformed
 * @example
 * ```ts
 * readUTF(Buffer.from([0, 2, 0x6f, 0x69])); // { value: "oi", bytes: 4 }
 * ```
 */
export function readUTF(buf: Uint8Array, offset = 0): { value: string; bytes: number } | undefined {
  if (buf.length - offset < 2) return undefined;
  const len = (buf[offset] << 8) | buf[offset + 1];
  if (buf.length - offset < 2 + len) return undefined;
  return { value: decodeModifiedUtf8(buf.subarray(offset + 2, offset + 2 + len)), bytes: 2 + len };
}

/**
 * Splits a TCP byte stream into `writeUTF` frames: push chunks as they arrive,
 * get every complete string back (TCP has no message boundaries; the 2-byte
 * length is what restores them).
 *
 * @example
 * ```ts
 * const d = new UtfFrameDecoder();
 * d.push(Buffer.from([0, 2, 0x6f])); // []
 * d.push(Buffer.from([0x69]));       // ["oi"]
 * ```
 */
export class UtfFrameDecoder {
  private chunks: Buffer[] = [];
  private total = 0;

  /** Bytes received that do not form a whole frame yet. */
  get buffered(): number {
    return this.total;
  }

  /**
   * @param chunk bytes just read from the stream
   * @returns the strings completed by this chunk, in order
   */
  push(chunk: Uint8Array): string[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return [];
    this.chunks.push(buf);
    this.total += buf.length;
    // Join the chunks only once a whole frame is there (no copying per chunk).
    if (this.total < 2) return [];
    const head = this.chunks[0].length >= 2 ? this.chunks[0] : Buffer.concat(this.chunks, 2);
    if (this.total < 2 + head.readUInt16BE(0)) return [];
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.total);
    const out: string[] = [];
    let off = 0;
    for (;;) {
      const r = readUTF(all, off);
      if (!r) break;
      out.push(r.value);
      off += r.bytes;
    }
    const rest = all.subarray(off);
    this.chunks = rest.length ? [rest] : [];
    this.total = rest.length;
    return out;
  }
}
