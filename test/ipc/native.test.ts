// The three ways a blocking IPC call runs (src/ipc/native.ts, native/ipc.cc): try first on the calling
// thread, the synchronous API (sendSync/receiveSync/waitSync) in child processes and worker threads, and a
// parked waiter thread for an async wait, which signals, close() and interrupts still end.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { straceAvailable } from "../../src/lectures/08-memoria-compartilhada/copy-experiment";
import { programArgs, startWorker } from "../../src/proc/program";
import { getBackend, spinBudget } from "../../src/ipc/native";
import { MessageQueue, NamedSemaphore, openMessageQueue, openSemaphore } from "../../src/ipc/index";
import { liveQueueIds, ownShmFiles, uniqueName } from "../fixtures/ipc/leaks";
import { BACKENDS, rejection } from "../fixtures/ipc/backends";

const ECHO = require.resolve("../fixtures/ipc/sync-echo.ts");

/** Run the sync-echo fixture as a child process; resolves with its exit code. */
function echoProcess(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [...programArgs(ECHO), ...args], { stdio: ["ignore", "ignore", "inherit"] });
  return new Promise((resolve, reject) => child.once("error", reject).once("exit", resolve));
}

/** Run the sync-echo fixture in a worker thread; resolves with its exit code. */
function echoWorker(args: string[]): Promise<number> {
  const w = startWorker(ECHO, { argv: args });
  return new Promise((resolve, reject) => w.once("error", reject).once("exit", resolve));
}

for (const backend of BACKENDS) {
  describe(`ipc sync API (${backend})`, () => {
    let opened: (MessageQueue | NamedSemaphore)[] = [];
    afterEach(async () => {
      await Promise.all(opened.map((h) => h.close()));
      opened = [];
      expect(ownShmFiles()).to.deep.equal([]);
    });

    it("sendSync/receiveSync follow msgsnd/msgrcv's rules on the calling thread", async () => {
      const q = await openMessageQueue({ backend });
      opened.push(q);
      q.sendSync(2, "segunda");
      q.sendSync(1, "primeira");
      expect(q.receiveSync({ type: -2 }).text).to.equal("primeira");
      expect(q.stat().messages).to.equal(1);
      const none = (() => { try { q.receiveSync({ type: 7, nowait: true }); } catch (e) { return e as { code?: string }; } })();
      expect(none?.code).to.equal("ENOMSG");
      expect(q.receiveSync().text).to.equal("segunda");
      expect(() => q.sendSync(0, "x")).to.throw(/o mtype deve ser um inteiro/);
      if (backend === "in-process") expect(() => q.receiveSync()).to.throw(/EDEADLK|no other thread|deadlock/i);
    });

    it("waitSync takes a unit at once when there is one", async () => {
      const s = await openSemaphore(uniqueName("sem"), { value: 2, backend });
      opened.push(s);
      s.waitSync();
      s.waitSync();
      expect(s.value()).to.equal(0);
      if (backend === "in-process") expect(() => s.waitSync()).to.throw(/EDEADLK|não tem outra thread/);
    });

    it("a message over the queue's capacity fails with EMSGSIZE, sync or not", async () => {
      const q = await openMessageQueue({ backend });
      opened.push(q);
      const big = Buffer.alloc(q.stat().maxBytes + 1);
      expect(() => q.sendSync(1, big)).to.throw(/passam do limite/);
      expect((await rejection(q.send(1, big))).code).to.equal("EMSGSIZE");
    });
  });
}

describe("ipc try first and waiter threads (native)", function () {
  this.timeout(60000);
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });
  let opened: (MessageQueue | NamedSemaphore)[] = [];
  afterEach(async () => {
    const ids = opened.filter((h): h is MessageQueue => h instanceof MessageQueue).map((q) => q.id);
    await Promise.all(opened.map((h) => h.close()));
    opened = [];
    const live = liveQueueIds();
    expect(ids.filter((id) => live.has(id)), "queues left behind").to.deep.equal([]);
    expect(ownShmFiles(), "semaphores left in /dev/shm").to.deep.equal([]);
  });

  it("CDLAB_IPC_SPIN_US sets the try-first budget; unset or not µs from 0 to 1000000 gives 50 (never NaN, which would spin forever)", () => {
    expect([spinBudget("0"), spinBudget("200"), spinBudget(" 7 ")]).to.deep.equal([0, 200, 7]);
    for (const bad of [undefined, "", "abc", "-1", "1e7", "Infinity"]) expect(spinBudget(bad), String(bad)).to.equal(50);
  });

  it("a receive or wait that would not block never hands the call to a waiter thread", async () => {
    const b = getBackend("native");
    const [rcvWait, semWait] = [b.msgrcvWait, b.semWait];
    const q = await openMessageQueue({ backend: "native" });
    const s = await openSemaphore(uniqueName("sem"), { value: 1, backend: "native" });
    opened.push(q, s);
    const hops: string[] = [];
    b.msgrcvWait = (...args) => (hops.push("msgrcv"), rcvWait(...args));
    b.semWait = (...args) => (hops.push("sem_wait"), semWait(...args));
    try {
      await q.send(3, "já está lá");
      expect((await q.receive()).text).to.equal("já está lá");
      expect(await s.wait()).to.equal(true);
      expect(hops).to.deep.equal([]);
      const later = q.receive({ type: 5 });
      setTimeout(() => q.sendSync(5, "depois"), 50);
      expect((await later).text).to.equal("depois");
      expect(hops).to.deep.equal(["msgrcv"]);
    } finally {
      Object.assign(b, { msgrcvWait: rcvWait, semWait });
    }
  });

  it("waiter threads are reused: after many waits, a blocked wait still ends by its signal, by close() and by a post", async () => {
    const q = await openMessageQueue({ backend: "native" });
    const s = await openSemaphore(uniqueName("sem"), { backend: "native" });
    opened.push(q, s);
    for (let i = 0; i < 20; i++) {
      const r = q.receive({ type: 1 });
      setTimeout(() => q.sendSync(1, `m${i}`), 2);
      expect((await r).text).to.equal(`m${i}`);
    }
    const ac = new AbortController();
    const aborted = rejection(q.receive({ signal: ac.signal }));
    const waits = [s.wait(), s.wait(), s.wait()];
    await new Promise((r) => setTimeout(r, 30));
    ac.abort(new Error("basta"));
    expect((await aborted).message).to.equal("basta");
    s.post();
    expect(await Promise.race(waits)).to.equal(true);
    const closed = rejection(q.receive());
    await new Promise((r) => setTimeout(r, 30));
    await q.close();
    expect((await closed).code).to.equal("ERR_CLOSED");
    await s.close();
    expect((await Promise.allSettled(waits)).filter((w) => w.status === "rejected").map((w) => (w as PromiseRejectedResult).reason.code)).to.deep.equal(["ERR_CLOSED", "ERR_CLOSED"]);
  });

  it("receiveSync is one blocking msgrcv per message, as in C: no IPC_NOWAIT try before it (strace)", async function () {
    if (!straceAvailable()) this.skip(); // strace is not installed or cannot trace here
    const q = await openMessageQueue({ backend: "native" });
    opened.push(q);
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-strace-")), "echo.strace");
    try {
      const child = spawn("strace", ["-f", "-e", "trace=msgrcv", "-o", log, process.execPath, ...programArgs(ECHO), "msg", String(q.id), "20"], { stdio: ["ignore", "ignore", "inherit"] });
      const exited = new Promise<number | null>((resolve, reject) => child.once("error", reject).once("exit", resolve));
      for (let i = 0; i < 20; i++) {
        await q.send(1, `ping ${i}`);
        expect((await q.receive({ type: 2 })).text).to.equal(`ping ${i}`);
      }
      expect(await exited).to.equal(0);
      const calls = fs.readFileSync(log, "utf8").split("\n").filter((l) => /msgrcv\(/.test(l) && !/resumed>/.test(l));
      expect(calls.length, calls.join("\n")).to.equal(20);
      expect(calls.filter((l) => l.includes("IPC_NOWAIT")), "tries before the blocking call").to.deep.equal([]);
    } finally {
      fs.rmSync(path.dirname(log), { recursive: true, force: true });
    }
  });

  for (const where of ["child process", "worker thread"] as const) {
    it(`receiveSync/sendSync and waitSync in a ${where} answer 200 round trips from this thread's async API`, async () => {
      const run = where === "child process" ? echoProcess : echoWorker;
      const q = await openMessageQueue({ backend: "native" });
      const [a, b] = [uniqueName("a"), uniqueName("b")];
      const [sa, sb] = [await openSemaphore(a, { backend: "native" }), await openSemaphore(b, { backend: "native" })];
      opened.push(q, sa, sb);
      const msgEcho = run(["msg", String(q.id), "200"]);
      for (let i = 0; i < 200; i++) {
        await q.send(1, `ping ${i}`);
        expect((await q.receive({ type: 2 })).text).to.equal(`ping ${i}`);
      }
      expect(await msgEcho).to.equal(0);
      const semEcho = run(["sem", a, b, "200"]);
      for (let i = 0; i < 200; i++) {
        sa.post();
        expect(await sb.wait()).to.equal(true);
      }
      expect(await semEcho).to.equal(0);
      expect([sa.value(), sb.value()]).to.deep.equal([0, 0]);
    });
  }
});
