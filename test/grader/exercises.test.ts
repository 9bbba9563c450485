// Longer than 300 lines: the honest other-style solutions and the attack cell are fixtures of the one test that grades every exercise four ways
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
const CONVERTED = ["01-grosch-work-units.ipynb", "02-udp.ipynb", "03-tcp.ipynb", "04-processos.ipynb", "05-pipes-e-fifos.ipynb", "06-fila-de-mensagens.ipynb", "07-memoria-compartilhada.ipynb"];

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
  "05-pipes-e-fifos.ipynb": {
    word_counts: `async function wordCounts(words: string[]): Promise<[string, number][]> {
  if (words.length === 0) return [];
  const cp = require("node:child_process") as typeof import("node:child_process");
  const printf = cp.spawn("printf", ["%s\\\\n", ...words]);
  const sort = cp.spawn("sort");
  const uniq = cp.spawn("uniq", ["-c"]);
  printf.stdout.pipe(sort.stdin);
  sort.stdout.pipe(uniq.stdin);
  let text = "";
  uniq.stdout.setEncoding("utf8").on("data", (s: string) => (text += s));
  await Promise.all([printf, sort, uniq].map((p) => new Promise((ok) => p.on("close", ok))));
  return text.trimEnd().split("\\n").map((line) => {
    const t = line.trimStart();
    const space = t.indexOf(" ");
    return [t.slice(space + 1), Number(t.slice(0, space))] as [string, number];
  });
}`,
    count_bytes: `async function countBytes(writers: number, bytesEach: number, pauseMs = 0): Promise<{ bytes: number; reads: number }> {
  const p = await pipe();
  const kids = await Promise.all(
    Array.from({ length: writers }, () => startNode(WRITER, { args: [String(bytesEach), String(pauseMs)], stdio: ["ignore", p.writeFd!, "ignore"] })),
  );
  p.closeWrite();
  const total = { bytes: 0, reads: 0 };
  for (;;) {
    const b = await p.read();
    if (!b) break;
    total.bytes += b.byteLength;
    total.reads += 1;
  }
  await Promise.all(kids.map((k) => k.close()));
  await p.close();
  return total;
}`,
    request: `async function request(dir: string, text: string): Promise<string> {
  const [srv, cli] = await Promise.all([makeFifo(path.join(dir, "s.fifo")), makeFifo(path.join(dir, "c.fifo"))]);
  const child = await startUpperServer(srv.path);
  try {
    const replyEnd = cli.openRead(); // fica esperando o servidor abrir para escrita
    const w = await srv.openWrite();
    await w.write(cli.path + "|" + text + "\\n");
    await w.close();
    const r = await replyEnd;
    const chunks: Buffer[] = [];
    for (let c = await r.read(); c !== null; c = await r.read()) {
      chunks.push(c);
      if (c.includes(10)) break;
    }
    await r.close();
    return Buffer.concat(chunks).toString("utf8").split("\\n")[0];
  } finally {
    await child.close();
    await srv.close();
    await cli.close();
  }
}`,
  },
  "06-fila-de-mensagens.ipynb": {
    pick: `function pick(queue: Msg[], type: number): number {
  const fits = queue.map((m, i) => ({ mtype: m.mtype, i })).filter((m) => (type === 0 ? true : type > 0 ? m.mtype === type : m.mtype <= Math.abs(type)));
  if (type >= 0) return fits.length ? fits[0].i : -1;
  return fits.reduce((best, m) => (best < 0 || m.mtype < queue[best].mtype ? m.i : best), -1);
}`,
    message_queue: `class MessageQueue {
  private messages: Msg[] = [];
  send(mtype: number, text: string): void {
    if (mtype <= 0 || Number.isNaN(mtype)) throw Object.assign(new RangeError("msgsnd: EINVAL (mtype " + mtype + ")"), { code: "EINVAL" });
    this.messages = [...this.messages, { mtype, text }];
  }
  receive(type = 0): string | undefined {
    const i = pick(this.messages, type);
    if (i === -1) return undefined;
    const [m] = this.messages.splice(i, 1);
    return m.text;
  }
}`,
  },
  "07-memoria-compartilhada.ipynb": {
    count_in_processes: `async function countInProcesses(prefix: string, workers: number, increments: number, useMutex: boolean): Promise<CountResult> {
  const opened: { close(): Promise<void> }[] = [];
  const kids: ChildHandle[] = [];
  try {
    const shm = await openSharedMemory(prefix + "-counter", { size: 4 });
    opened.push(shm);
    const ready = await openSemaphore(prefix + "-ready", { value: 0 });
    const go = await openSemaphore(prefix + "-go", { value: 0 });
    opened.push(ready, go, await openSemaphore(prefix + "-mutex", { value: 1 }));
    while (kids.length < workers) kids.push(await startIncrementer(prefix, increments, useMutex));
    for (const _ of kids) await ready.wait();
    kids.forEach(() => go.post());
    for (const k of kids) await k.result;
    const counter = new Int32Array(shm.buffer.buffer, shm.buffer.byteOffset, 1)[0];
    return { expected: workers * increments, counter, lost: workers * increments - counter };
  } finally {
    for (const k of kids) await k.close();
    for (const h of opened.reverse()) await h.close();
  }
}`,
    open_ring: `async function openRing(prefix: string, capacity: number): Promise<Ring> {
  const empty = await openSemaphore(prefix + "-empty", { value: capacity });
  const full = await openSemaphore(prefix + "-full");
  const mutex = await openSemaphore(prefix + "-mutex", { value: 1 });
  const shm = await openSharedMemory(prefix + "-buf", { size: Int32Array.BYTES_PER_ELEMENT * (SLOTS + capacity) });
  return { shm, cells: new Int32Array(shm.buffer.buffer, shm.buffer.byteOffset, SLOTS + capacity), empty, full, mutex, capacity };
}

async function closeRing(ring: Ring): Promise<void> {
  for (const h of [ring.mutex, ring.full, ring.empty, ring.shm]) await h.close();
}`,
    put_take: `async function put(ring: Ring, item: number): Promise<void> {
  await ring.empty.wait();
  await ring.mutex.wait();
  try {
    ring.cells[SLOTS + ring.cells[IN]] = item;
    ring.cells[IN] = (ring.cells[IN] + 1) % ring.capacity;
  } finally {
    ring.mutex.post();
  }
  ring.full.post();
}

async function take(ring: Ring): Promise<number> {
  await ring.full.wait();
  await ring.mutex.wait();
  let item: number;
  try {
    const at = ring.cells[OUT];
    item = ring.cells[SLOTS + at];
    ring.cells[OUT] = at + 1 === ring.capacity ? 0 : at + 1;
  } finally {
    ring.mutex.post();
  }
  ring.empty.post();
  return item;
}`,
    final_values: `function finalValues(a: number, b: number): number[] {
  // estados "passos de A, passos de B, r de A, r de B, contador", explorados em largura
  let frontier = new Set<string>(["0,0,0,0,0"]);
  const finals = new Set<number>();
  while (frontier.size) {
    const next = new Set<string>();
    for (const s of frontier) {
      const [pa, pb, ra, rb, c] = s.split(",").map(Number);
      if (pa === 2 * a && pb === 2 * b) finals.add(c);
      if (pa < 2 * a) next.add((pa % 2 === 0 ? [pa + 1, pb, c, rb, c] : [pa + 1, pb, ra, rb, ra + 1]).join());
      if (pb < 2 * b) next.add((pb % 2 === 0 ? [pa, pb + 1, ra, c, c] : [pa, pb + 1, ra, rb, rb + 1]).join());
    }
    frontier = next;
  }
  return [...finals].sort((x, y) => x - y);
}`,
  },
  "04-processos.ipynb": {
    parent_chain: `function parentChain(pid: number): number[] {
  const stat = fs.readFileSync("/proc/" + pid + "/stat", "utf8");
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return ppid === 0 ? [pid] : [pid, ...parentChain(ppid)];
}`,
    child_report: `async function childReport(): Promise<ChildReport> {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const program = [
    "const before = { cwd: process.cwd(), env: process.env.CDLAB_AULA };",
    "process.chdir('/');",
    "process.env.CDLAB_AULA = 'mudou no filho';",
    "console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid, uid: process.getuid(), cwdBefore: before.cwd, envBefore: before.env, cwdAfter: process.cwd(), envAfter: process.env.CDLAB_AULA }));",
  ].join(" ");
  const child = spawn(process.execPath, ["-e", program], { stdio: ["ignore", "pipe", "ignore"] });
  let text = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (text += s));
  await new Promise((resolve) => child.on("close", resolve));
  return JSON.parse(text);
}`,
    count_fd_kinds: `function countFdKinds(pid: number): Record<string, number> {
  const tally = new Map<string, number>();
  describeFds(pid).forEach((fd) => tally.set(fd.kind, (tally.get(fd.kind) || 0) + 1));
  return Object.fromEntries(tally);
}`,
    stop: `async function stop(child: ChildHandle, graceMs: number): Promise<{ exitCode: number | null; signal: string | null; escalated: boolean }> {
  let escalated = false;
  child.kill("SIGTERM");
  const timer = setTimeout(() => { escalated = true; child.kill("SIGKILL"); }, graceMs);
  try {
    const { exitCode, signal } = await child.result;
    return { exitCode, signal, escalated };
  } finally {
    clearTimeout(timer);
  }
}`,
  },
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
