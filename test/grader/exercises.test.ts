/**
 * Every graded exercise in notebooks/exercicios/: the instructor version gets
 * full marks, its released version gets 0 without crashing the grader, and
 * release is deterministic (twice → identical bytes). On the exercises whose
 * hidden tests are judged by the grader (verdicts), a released copy whose
 * student cell patches Promise.race, runs every later cell inside a try {}
 * through vm.runInThisContext and forges observations still gets 0.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../../src/grader/autograde";
import { readNotebook, serializeNotebook } from "../../src/grader/notebook";
import { releaseNotebook } from "../../src/grader/release";

const DIR = path.resolve(__dirname, "..", "..", "notebooks", "exercicios");
/** Exercises whose hidden tests are verdicts decided in the grader (the others still check in the kernel). */
const CONVERTED = ["01-grosch-work-units.ipynb", "02-udp.ipynb", "03-tcp.ipynb"];

/** A student cell with the three ways that beat in-kernel checks, plus forged observations (real ones dropped). */
const ATTACK = String.raw`const vm = require("node:vm");
const MIME = "application/vnd.cdlab.observation+json";
const key = Symbol.for("cdlab.display.sink");
const real = (globalThis as any)[key];
(globalThis as any)[key] = (b: any, o?: any) => (b[MIME] ? undefined : real(b, o));
const race = Promise.race.bind(Promise);
Promise.race = ((ps: Iterable<unknown>) => race(ps).catch(() => undefined)) as typeof Promise.race;
const run = vm.runInThisContext;
vm.runInThisContext = (code: string, options?: object) => {
  for (const m of code.matchAll(/observe\("((?:[^"\]|\.)*)"/g)) real({ [MIME]: { name: JSON.parse('"' + m[1] + '"'), value: 0 }, "text/plain": "" });
  return run(code.replace(/^(\((?:async )?function\(exports, require\) \{ )/, "$1try { ").replace(/
\}\)\(__tslab__/, "
} catch {} })(__tslab__"), options);
};
`;

/** Honest solutions written unlike the reference (raw node:dgram, TextDecoder), by grade_id, per converted exercise. */
const OTHER_STYLE: Record<string, Record<string, string>> = {
  "03-tcp.ipynb": {
    encode_frame: `function encodeFrame(text: string): Buffer {
  const utf8 = new TextEncoder().encode(text);
  if (utf8.byteLength >= 1 << 16) throw new RangeError("encoded string too long (" + utf8.byteLength + " bytes)");
  const out = new Uint8Array(utf8.byteLength + 2);
  new DataView(out.buffer).setUint16(0, utf8.byteLength, false);
  out.set(utf8, 2);
  return Buffer.from(out.buffer);
}`,
    frame_decoder: `class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Uint8Array[] = [];
  private stored = 0;

  push(chunk: Uint8Array): string[] {
    this.parts.push(Uint8Array.from(chunk));
    this.stored += chunk.byteLength;
    const out: string[] = [];
    for (;;) {
      const head = this.peek(2);
      if (!head) return out;
      const size = (head[0] << 8) | head[1];
      const frame = this.peek(2 + size);
      if (!frame) return out;
      out.push(new TextDecoder().decode(frame.subarray(2)));
      this.skip(2 + size);
    }
  }

  private peek(n: number): Uint8Array | undefined {
    if (this.stored < n) return undefined;
    const all = new Uint8Array(this.stored);
    let at = 0;
    for (const p of this.parts) { all.set(p, at); at += p.byteLength; }
    this.parts = [all];
    return all.subarray(0, n);
  }

  private skip(n: number): void {
    this.parts = [this.parts[0].subarray(n)];
    this.stored -= n;
  }
}`,
    ask_all: `async function askAll(port: number, messages: string[]): Promise<string[]> {
  const socket = net.createConnection({ port, host: "127.0.0.1" });
  await new Promise((ok, fail) => { socket.once("connect", ok); socket.once("error", fail); });
  const answers: string[] = [];
  const decoder = new FrameDecoder();
  socket.write(Buffer.concat(messages.map(encodeFrame)));
  if (messages.length) {
    for await (const chunk of socket) {
      answers.push(...decoder.push(chunk as Buffer));
      if (answers.length === messages.length) break; // break destroys the socket
    }
  }
  socket.destroy();
  return answers;
}`,
    reverse_server: `function startReverseServer(): Promise<net.Server> {
  const server = new net.Server();
  server.on("connection", (client) => {
    let bytes = Buffer.alloc(0);
    client.on("error", () => {});
    client.on("data", (more) => {
      bytes = Buffer.concat([bytes, more]);
      while (bytes.length >= 2 && bytes.length >= 2 + bytes.readUInt16BE(0)) {
        const text = bytes.subarray(2, 2 + bytes.readUInt16BE(0)).toString("utf8");
        bytes = bytes.subarray(2 + Buffer.byteLength(text));
        client.write(encodeFrame(Array.from(text).reverse().join("")));
      }
    });
  });
  return new Promise((ok) => server.listen({ port: 0, host: "127.0.0.1" }, () => ok(server)));
}`,
  },
  "02-udp.ipynb": {
    upper_server: `async function startUpperServer(): Promise<{ port: number; close(): Promise<void> }> {
  const s = dgram.createSocket("udp4");
  s.on("message", (msg, from) => s.send(msg.subarray(0, 1000).toString("utf8").toUpperCase(), from.port, from.address));
  await new Promise<void>((ok) => s.bind(0, "127.0.0.1", () => ok()));
  return { port: s.address().port, close: () => new Promise<void>((ok) => s.close(() => ok())) };
}`,
    request: `function request(text: string, port: number, options: { timeoutMs?: number; attempts?: number } = {}): Promise<{ reply: string; attempts: number }> {
  const timeoutMs = options.timeoutMs ?? 1000, attempts = options.attempts ?? 3;
  const s = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    let sent = 0, timer: NodeJS.Timeout | undefined;
    const end = (f: () => void) => { clearTimeout(timer); s.close(); f(); };
    const send = () => {
      if (sent === attempts) return end(() => reject(Object.assign(new Error("sem resposta"), { code: "ETIMEDOUT" })));
      sent++;
      s.send(text, port, "127.0.0.1");
      timer = setTimeout(send, timeoutMs);
    };
    s.on("message", (m) => end(() => resolve({ reply: m.toString("utf8"), attempts: sent })));
    s.bind(0, "127.0.0.1", send);
  });
}`,
    java_server_sees: `function javaServerSees(message: string, bufferSize = 1000): { length: number; text: string } {
  const bytes = new TextEncoder().encode(message).slice(0, bufferSize);
  return { length: bytes.byteLength, text: new TextDecoder().decode(bytes) };
}`,
  },
};

const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort() : [];

describe("grader/exercises", function () {
  this.timeout(480_000); // up to four gradings for the converted exercises, on a loaded machine
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-ex-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("there are exercises", function () {
    expect(files.length).to.be.greaterThan(0);
  });

  for (const f of files) {
    it(`${f}: full marks for the instructor version, 0 for the released one, deterministic release`, async function () {
      const file = path.join(DIR, f);
      const source = readSource(file);
      const text = serializeNotebook(releaseNotebook(readNotebook(file), f));
      expect(serializeNotebook(releaseNotebook(readNotebook(file), f))).to.equal(text);
      expect(text).to.not.include("BEGIN SOLUTION").and.not.include("HIDDEN TESTS");
      const released = path.join(tmp, f);
      fs.writeFileSync(released, text);
      const full = await gradeSubmission(file, source);
      expect(full.cells.filter((c) => c.status !== "passed"), "instructor version").to.deep.equal([]);
      expect(full.score).to.equal(full.max_score);
      const zero = await gradeSubmission(released, source);
      expect(zero.score).to.equal(0);
      expect(zero.cells.every((c) => c.status === "error" || c.status === "failed")).to.equal(true);
      if (!CONVERTED.includes(f)) return;
      const nb = JSON.parse(text);
      const setup = nb.cells.findIndex((c: { metadata: { nbgrader?: { grade_id?: string } } }) => c.metadata.nbgrader?.grade_id === "setup");
      nb.cells.splice(setup + 1, 0, { cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ATTACK });
      const attacked = path.join(tmp, `attack-${f}`);
      fs.writeFileSync(attacked, JSON.stringify(nb));
      const cheat = await gradeSubmission(attacked, source);
      expect(cheat.cells.map((c) => [c.grade_id, c.points, c.message.slice(0, 60)]), "patched realm, forged observations").to.deep.equal(
        cheat.cells.map((c) => [c.grade_id, 0, c.message.slice(0, 60)]),
      );
      const other = OTHER_STYLE[f];
      if (!other) return;
      const honest = JSON.parse(text);
      for (const c of honest.cells) if (other[c.metadata.nbgrader?.grade_id]) c.source = other[c.metadata.nbgrader.grade_id];
      const file2 = path.join(tmp, `other-${f}`);
      fs.writeFileSync(file2, JSON.stringify(honest));
      const g = await gradeSubmission(file2, source);
      expect(g.cells.filter((c) => c.status !== "passed"), "honest solutions in another style").to.deep.equal([]);
    });
  }
});
