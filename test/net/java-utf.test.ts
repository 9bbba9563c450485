import { expect } from "chai";
import {
  decodeModifiedUtf8,
  encodeModifiedUtf8,
  MAX_UTF_BYTES,
  modifiedUtf8Length,
  readUTF,
  UtfFrameDecoder,
  writeUTF,
} from "../../src/net/java-utf";
import { CdlabError } from "../../src/runtime/errors";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("net/java-utf: writeUTF/readUTF framing", function () {
  it("frames ASCII as a 2-byte big-endian length plus the bytes", function () {
    expect(hex(writeUTF("oi"))).to.equal("00026f69");
    expect(hex(writeUTF(""))).to.equal("0000");
  });

  it("writes U+0000 as C0 80, never as a 00 byte", function () {
    expect(hex(writeUTF("a\u0000b"))).to.equal("000461c08062");
  });

  it("writes 2- and 3-byte characters as standard UTF-8 does", function () {
    expect(hex(encodeModifiedUtf8("á"))).to.equal("c3a1");
    expect(hex(encodeModifiedUtf8("☃"))).to.equal("e29883");
    expect(hex(encodeModifiedUtf8("\u07ff\u0800\uffff"))).to.equal("dfbf" + "e0a080" + "efbfbf");
  });

  it("writes a supplementary character as two 3-byte surrogates (6 bytes), not 4 bytes", function () {
    // U+1D11E = D834 DD1E
    expect(hex(encodeModifiedUtf8("𝄞"))).to.equal("eda0b4edb49e");
    expect(Buffer.from("𝄞", "utf8").length).to.equal(4);
    expect(modifiedUtf8Length("𝄞")).to.equal(6);
  });

  it("round-trips strings where modified UTF-8 differs, lone surrogates included", function () {
    for (const s of ["olá, mundo ☃ 𝄞", "\u0000", "\u0000\u0000x", "😀🎉", "\ud800", "a\udc00b", "ç".repeat(1000)]) {
      const frame = writeUTF(s);
      expect(readUTF(frame)).to.deep.equal({ value: s, bytes: frame.length });
    }
  });

  it("accepts exactly 65535 encoded bytes and rejects 65536 with Java's wording", function () {
    const max = "x".repeat(MAX_UTF_BYTES);
    expect(writeUTF(max).length).to.equal(MAX_UTF_BYTES + 2);
    expect(writeUTF(max).readUInt16BE(0)).to.equal(65535);
    // 21846 snowmen = 65538 bytes, though only 21846 characters
    for (const s of ["x".repeat(65536), "☃".repeat(21846), "\u0000".repeat(32768)]) {
      try {
        writeUTF(s);
        expect.fail("should throw");
      } catch (e) {
        expect(e).to.be.instanceOf(CdlabError);
        expect((e as CdlabError).code).to.equal("ERR_UTF_TOO_LONG");
        expect((e as Error).message).to.match(/texto codificado longo demais: \d+ bytes/);
        expect((e as Error).message).to.include(`${modifiedUtf8Length(s)} bytes`);
      }
    }
  });

  it("readUTF waits for the whole frame", function () {
    const f = writeUTF("olá");
    expect(readUTF(f.subarray(0, 1))).to.equal(undefined);
    expect(readUTF(f.subarray(0, f.length - 1))).to.equal(undefined);
  });

  it("decodes a plain 00 byte as Java does, and rejects malformed input", function () {
    expect(decodeModifiedUtf8(Buffer.from([0x00]))).to.equal("\u0000");
    for (const bad of [[0x80], [0xf0, 0x9d, 0x84, 0x9e], [0xc3], [0xe2, 0x98], [0xc3, 0x41]]) {
      expect(() => decodeModifiedUtf8(Buffer.from(bad)), hex(Buffer.from(bad)))
        .to.throw(CdlabError, /UTF-8 modificado malformado/)
        .with.property("code", "ERR_UTF_DATA_FORMAT");
    }
  });

  it("decodes overlong forms as Java's readUTF does (the UTF-8 fast path must not catch them)", function () {
    expect(decodeModifiedUtf8(Buffer.from([0xc1, 0x81]))).to.equal("A");
    expect(decodeModifiedUtf8(Buffer.from([0xe0, 0x80, 0x80, 0x61]))).to.equal("\u0000a");
  });

  it("fast and slow paths agree on random mixes of 1-, 2-, 3-byte, NUL and surrogate characters", function () {
    const pool = ["a", "Z", "~", "\u0000", "é", "\u07ff", "☃", "\uffff", "𝄞", "😀", "\ud800", "\udfff"];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    for (let k = 0; k < 300; k++) {
      const s = Array.from({ length: Math.floor(rnd() * 20) }, () => pool[Math.floor(rnd() * pool.length)]).join("");
      const bytes = encodeModifiedUtf8(s);
      let expected = 0;
      for (const u of s.split("")) expected += u === "\u0000" ? 2 : u.charCodeAt(0) < 0x80 ? 1 : u.charCodeAt(0) < 0x800 ? 2 : 3;
      expect(bytes.length, JSON.stringify(s)).to.equal(expected);
      expect(bytes.includes(0), JSON.stringify(s)).to.equal(false);
      expect(decodeModifiedUtf8(bytes)).to.equal(s);
    }
  });

  it("UtfFrameDecoder restores message boundaries from any chunking", function () {
    const msgs = ["um", "", "dois ☃", "𝄞\u0000"];
    const stream = Buffer.concat(msgs.map(writeUTF));
    for (const size of [1, 2, 3, 7, stream.length]) {
      const d = new UtfFrameDecoder();
      const got: string[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...d.push(stream.subarray(i, i + size)));
      expect(got, `chunks of ${size}`).to.deep.equal(msgs);
      expect(d.buffered).to.equal(0);
    }
  });
});
