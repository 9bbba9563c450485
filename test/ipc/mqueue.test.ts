import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { programArgs } from "../../src/proc/program";
import { CdlabError } from "../../src/index";
import { BackendName, ipcBackend, MessageQueue, messageQueueLimits, openMessageQueue, openSemaphore } from "../../src/ipc/index";
import { addonCandidates, nativeUnavailableReason } from "../../src/ipc/native";
import { interruptCell, resources, setCurrentCell } from "../../src/runtime/registry";
import { liveQueueIds, ownShmFiles, uniqueKey, uniqueName } from "../fixtures/ipc/leaks";

import { BACKENDS, rejection } from "../fixtures/ipc/backends";


describe("ipc/native backend switch", () => {
  it("uses the native addon on Linux, and a load failure names every path tried", function () {
    if (process.platform !== "linux") this.skip();
    expect(nativeUnavailableReason(), "the addon should be built by npm run setup").to.equal(undefined);
    expect(ipcBackend()).to.equal("native");
    expect(addonCandidates().some((p) => p.endsWith("build/Release/cdlab_ipc.node"))).to.equal(true);
  });

  it("rejects an unknown backend option naming it", async () => {
    const err = await rejection(openMessageQueue({ backend: "shm" as BackendName }));
    expect(err.code).to.equal("ERR_INVALID_ARG");
    expect(err.message).to.match(/"backend"/);
  });
});

for (const backend of BACKENDS) {
  describe(`ipc/mqueue (${backend})`, () => {
    let opened: MessageQueue[] = [];
    const open = async (opts: Parameters<typeof openMessageQueue>[0] = {}) => {
      const q = await openMessageQueue({ backend, ...opts });
      opened.push(q);
      return q;
    };

    afterEach(async () => {
      const ids = opened.map((q) => q.id);
      await Promise.all(opened.map((q) => q.close()));
      opened = [];
      if (backend === "native") {
        const live = liveQueueIds();
        expect(ids.filter((id) => live.has(id)), "queues left behind").to.deep.equal([]);
      }
    });

    it("receives by the three msgrcv rules", async () => {
      const q = await open();
      for (const [t, text] of [[3, "c1"], [1, "a1"], [2, "b1"], [1, "a2"], [3, "c2"]] as const) await q.send(t, text);
      expect((await q.receive({ type: 0 })).text, "type 0: the first message").to.equal("c1");
      expect((await q.receive({ type: 3 })).text, "type > 0: first with that mtype").to.equal("c2");
      const low = await q.receive({ type: -2 });
      expect([low.type, low.text], "type < 0: first of the lowest mtype ≤ |type|").to.deep.equal([1, "a1"]);
      expect((await q.receive({ type: -2 })).text).to.equal("a2");
      expect((await q.receive({ type: -2 })).text).to.equal("b1");
      expect(q.stat().messages).to.equal(0);
    });

    it("nowait: ENOMSG when nothing matches, without waiting", async () => {
      const q = await open();
      await q.send(5, "x");
      const err = await rejection(q.receive({ type: 4, nowait: true }));
      expect(err.code).to.equal("ENOMSG");
      expect(q.stat().messages).to.equal(1);
    });

    it("a blocking receive keeps the event loop free and wakes on a matching send", async () => {
      const q = await open();
      const got = q.receive({ type: 7 });
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (++ticks === 5) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
      await q.send(6, "not this one");
      await q.send(7, "this one");
      expect((await got).text).to.equal("this one");
      expect(ticks).to.equal(5);
      expect(q.stat().messages).to.equal(1);
    });

    it("an AbortSignal ends a blocked receive with its reason, and the queue still works", async () => {
      const q = await open();
      const ac = new AbortController();
      const got = q.receive({ signal: ac.signal });
      setTimeout(() => ac.abort(new Error("stop")), 20);
      const err = await rejection(got);
      expect(err.message).to.equal("stop");
      await q.send(1, "after");
      expect((await q.receive({ nowait: true })).text).to.equal("after");
    });

    it("close() ends a blocked receive with ERR_CLOSED and removes the owned queue", async () => {
      const q = await open();
      const got = rejection(q.receive());
      await q.close();
      expect((await got).code).to.equal("ERR_CLOSED");
      await q.close();
      await q.close();
      expect(resources().some((r) => r.label?.startsWith(`msqid ${q.id}`))).to.equal(false);
    });

    it("opening by id registers the handle only when the queue exists", async () => {
      const q = await open();
      const other = await open({ id: q.id });
      expect(resources().filter((r) => r.label === `msqid ${q.id}`)).to.have.length(2);
      await other.close();
      await q.close(); // the owner removes it: the id no longer exists
      const before = resources().length;
      const err = await rejection(openMessageQueue({ backend, id: q.id }));
      expect(err.code).to.equal("EIDRM");
      expect(resources()).to.have.length(before);
    });

    it("interrupting the cell that started a receive ends it with EINTR; the queue keeps working", async () => {
      const q = await open();
      setCurrentCell(9001);
      const got = rejection(q.receive({ type: 3 }));
      setCurrentCell(undefined);
      expect(resources().some((r) => r.cell === 9001 && r.label?.startsWith("esperando: receber da"))).to.equal(true);
      expect(interruptCell(9001)).to.equal(1);
      const err = await got;
      expect([err.code, err.message]).to.deep.equal(["EINTR", `Não foi possível receber da fila de mensagens ${q.id}: interrompido`]);
      expect(resources().some((r) => r.cell === 9001)).to.equal(false);
      await q.send(3, "next");
      expect((await q.receive({ type: 3 })).text).to.equal("next");
    });

    it("a receiver on another handle wakes with EIDRM when the queue is removed", async () => {
      const key = uniqueKey();
      const owner = await open({ key });
      const other = await open({ key });
      expect([owner.owner, other.owner]).to.deep.equal([true, false]);
      expect(other.id).to.equal(owner.id);
      const got = rejection(other.receive());
      await owner.remove();
      const err = await got;
      expect(err.code).to.equal("EIDRM");
      expect(err.message).to.match(/removida/);
      expect((await rejection(other.receive({ nowait: true }))).code).to.equal("EIDRM");
    });

    it("rejects mtype ≤ 0 with EINVAL, and a message over msgmax with EMSGSIZE", async () => {
      const q = await open();
      for (const t of [0, -1, 1.5]) {
        const err = await rejection(q.send(t, "x"));
        expect(err.code).to.equal("EINVAL");
        expect(err.message).to.match(/o mtype deve ser um inteiro ≥ 1/);
      }
      const { msgmax } = messageQueueLimits(backend);
      const err = await rejection(q.send(1, Buffer.alloc(msgmax + 1)));
      expect(err.code).to.equal("EMSGSIZE");
      expect(err.message).to.include(String(msgmax));
      await q.send(1, Buffer.alloc(msgmax));
      expect(q.stat().bytes).to.equal(msgmax);
    });

    it("a full queue: nowait fails with EAGAIN, a blocking send waits until a receive makes room", async () => {
      const q = await open();
      const { msgmax } = messageQueueLimits(backend);
      const chunk = Buffer.alloc(msgmax, 1);
      while (q.stat().bytes + msgmax <= q.stat().maxBytes) await q.send(1, chunk);
      expect((await rejection(q.send(2, chunk, { nowait: true }))).code).to.equal("EAGAIN");
      const sent = q.send(2, chunk);
      const first = await q.receive({ type: 1 });
      expect(first.data.length).to.equal(msgmax);
      await sent;
      expect((await q.receive({ type: 2, nowait: true })).type).to.equal(2);
    });

    it("maxSize: E2BIG for a longer message, truncate cuts it", async () => {
      const q = await open();
      await q.send(1, "abcdef");
      expect((await rejection(q.receive({ maxSize: 3, nowait: true }))).code).to.equal("E2BIG");
      expect((await q.receive({ maxSize: 3, truncate: true })).text).to.equal("abc");
    });

    it("exclusive open of an existing key fails with EEXIST; create:false of a missing key with ENOENT", async () => {
      const key = uniqueKey();
      await open({ key });
      expect((await rejection(open({ key, exclusive: true }))).code).to.equal("EEXIST");
      expect((await rejection(open({ key: uniqueKey(), create: false }))).code).to.equal("ENOENT");
      expect((await rejection(open({ key: -5 }))).code).to.equal("ERR_INVALID_ARG");
    });
  });
}

describe("ipc/mqueue (native, between processes)", function () {
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });

  it("is visible in ipcs -q while it exists, and another process receives from it by id", async () => {
    const q = await openMessageQueue({ backend: "native" });
    try {
      let ipcs = "";
      try {
        ipcs = execFileSync("ipcs", ["-q"], { encoding: "utf8" });
      } catch {
        ipcs = require("node:fs").readFileSync("/proc/sysvipc/msg", "utf8");
      }
      expect(ipcs).to.match(new RegExp(`\\b${q.id}\\b`));
      await q.send(4, "from the parent");
      const out = execFileSync(
        process.execPath,
        [...programArgs(require.resolve("../fixtures/ipc/mq-echo.ts")), String(q.id)],
        { encoding: "utf8", timeout: 20000 },
      );
      expect(out.trim()).to.equal("got 4 from the parent");
      expect((await q.receive({ type: 9 })).text).to.equal("reply from the child");
    } finally {
      await q.close();
    }
    expect(liveQueueIds().has(q.id)).to.equal(false);
  });
});

describe("ipc cleanup at kernel shutdown (native)", function () {
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });

  it("closeAll() removes the queue, unlinks segment and semaphore, and ends a pending wait", () => {
    const prefix = uniqueName("shutdown");
    const out = execFileSync(
      process.execPath,
      [...programArgs(require.resolve("../fixtures/ipc/shutdown.ts")), prefix],
      { encoding: "utf8", timeout: 20000 },
    );
    const [opened, after] = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(opened.kinds).to.deep.equal(["message-queue", "shared-memory", "semaphore", "semaphore"]); // the last: the wait
    expect(after.pending).to.equal("ERR_CLOSED");
    expect(liveQueueIds().has(opened.msqid)).to.equal(false);
    expect(ownShmFiles()).to.deep.equal([]);
  });
});

describe("ipc in-process backend", () => {
  it("is what ipcBackend() reports when CDLAB_IPC_BACKEND=in-process, and new handles use it", async () => {
    const before = process.env.CDLAB_IPC_BACKEND;
    process.env.CDLAB_IPC_BACKEND = "in-process";
    try {
      expect(ipcBackend()).to.equal("in-process");
      const q = await openMessageQueue();
      expect(q.backend).to.equal("in-process");
      await q.close();
    } finally {
      if (before === undefined) delete process.env.CDLAB_IPC_BACKEND;
      else process.env.CDLAB_IPC_BACKEND = before;
    }
  });

  it("waitSync on a semaphore at 0 fails with EDEADLK instead of hanging", async () => {
    const s = await openSemaphore(uniqueName("sem"), { backend: "in-process" });
    try {
      expect(() => s.waitSync()).to.throw(/EDEADLK|não tem outra thread/).with.property("code", "EDEADLK");
    } finally {
      await s.close();
    }
  });
});
