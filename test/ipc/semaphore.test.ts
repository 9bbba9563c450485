import { expect } from "chai";
import { spawn } from "node:child_process";
import { programArgs } from "../../src/proc/program";
import { CdlabError } from "../../src/index";
import { NamedSemaphore, openSemaphore } from "../../src/ipc/index";
import { ownShmFiles, uniqueName } from "../fixtures/ipc/leaks";
import { pollUntil } from "../support/poll";
import { BACKENDS, rejection } from "../fixtures/ipc/backends";


for (const backend of BACKENDS) {
  describe(`ipc/semaphore (${backend})`, () => {
    let opened: NamedSemaphore[] = [];
    const open = async (name: string, opts: Parameters<typeof openSemaphore>[1] = {}) => {
      const s = await openSemaphore(name, { backend, ...opts });
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
      expect(ownShmFiles(), "semaphores left in /dev/shm").to.deep.equal([]);
    });

    it("counts: tryWait takes while the value is above 0, post gives back", async () => {
      const s = await open(uniqueName("sem"), { value: 2 });
      expect([s.tryWait(), s.tryWait(), s.tryWait()]).to.deep.equal([true, true, false]);
      s.post();
      expect(s.value()).to.equal(1);
    });

    it("wait() blocks off the event loop until another handle posts", async () => {
      const name = uniqueName("sem");
      const a = await open(name, { value: 0 });
      const b = await open(name);
      expect(b.owner).to.equal(false);
      let done = false;
      const w = a.wait().then((v) => (done = v));
      await new Promise((r) => setTimeout(r, 20));
      expect(done).to.equal(false);
      b.post();
      await w;
      expect(done).to.equal(true);
      expect(a.value()).to.equal(0);
    });

    it("timeoutMs resolves false when nobody posts (sem_timedwait)", async () => {
      const s = await open(uniqueName("sem"));
      expect(await s.wait({ timeoutMs: 30 })).to.equal(false);
      expect(await s.wait({ timeoutMs: 0 })).to.equal(false);
    });

    it("an AbortSignal and close() both end a blocked wait", async () => {
      const s = await open(uniqueName("sem"));
      const ac = new AbortController();
      const w1 = rejection(s.wait({ signal: ac.signal }));
      ac.abort(new Error("enough"));
      expect((await w1).message).to.equal("enough");
      const w2 = rejection(s.wait());
      await s.close();
      expect((await w2).code).to.equal("ERR_CLOSED");
    });

    it("rejects a name without a leading slash and a negative value, one line each", async () => {
      const err = await rejection(open("cdlab-mutex"));
      expect(err.code).to.equal("ERR_INVALID_ARG");
      expect(err.message).to.equal('Opção "name" inválida ("cdlab-mutex"): deve começar com "/" e não ter outra "/" (por exemplo "/cdlab-demo")');
      expect((await rejection(open(uniqueName("sem"), { value: -1 }))).code).to.equal("ERR_INVALID_ARG");
      expect((await rejection(open(uniqueName("sem"), { create: false }))).code).to.equal("ENOENT");
    });
  });
}

describe("ipc/semaphore (native, between processes)", function () {
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });

  it("a child process blocked in sem_wait proceeds when the parent posts", async () => {
    const name = uniqueName("sem");
    const sem = await openSemaphore(name, { value: 0, backend: "native" });
    const child = spawn(process.execPath, [...programArgs(require.resolve("../fixtures/ipc/sem-wait.ts")), name], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await pollUntil(() => out.includes("waiting"), { timeoutMs: 15000, what: "child waiting" });
      expect(out).to.not.include("passed");
      sem.post();
      const code = await new Promise((r) => child.on("exit", r));
      expect(code).to.equal(0);
      expect(out).to.include("passed");
    } finally {
      child.kill();
      await sem.close();
    }
    expect(ownShmFiles()).to.deep.equal([]);
  });
});
