import { expect } from "chai";
import { asyncDispose, HandleBase, makeHandle, register, type HandleOptions } from "../../src/runtime/handle";
import { closeAll, interruptCell, replaceNamed, resources, setCurrentCell } from "../../src/runtime/registry";

/** A class handle that counts its releases. */
class Counted extends HandleBase {
  releases = 0;
  closedDuringRelease: boolean | undefined;
  constructor(options: Partial<HandleOptions> = {}) {
    super({ kind: "other", label: "counted", ...options });
  }
  protected release(): void {
    this.closedDuringRelease = this.closed;
    this.releases++;
  }
}

describe("handle builder", function () {
  afterEach(async () => {
    setCurrentCell(undefined);
    await closeAll();
  });

  describe("makeHandle", function () {
    it("close() three times runs the release once and returns the same promise", async function () {
      let releases = 0;
      const h = makeHandle({ port: 1 }, { kind: "other", release: () => void releases++ });
      const calls = [h.close(), h.close(), h.close()];
      expect(calls[1]).to.equal(calls[0]);
      expect(calls[2]).to.equal(calls[0]);
      await Promise.all(calls);
      await h.close();
      expect(releases).to.equal(1);
      expect(h.port).to.equal(1);
    });

    it("[Symbol.asyncDispose] is close()", async function () {
      let releases = 0;
      const h = makeHandle({}, { kind: "other", release: () => void releases++ });
      expect(h[Symbol.asyncDispose]).to.equal(h.close);
      expect(asyncDispose).to.equal(Symbol.asyncDispose);
      await h[Symbol.asyncDispose]();
      await h.close();
      expect(releases).to.equal(1);
    });

    it("keeps the target's getters and methods", async function () {
      let n = 0;
      const h = makeHandle({ get count() { return n; }, bump: () => ++n }, { kind: "other", release: () => {} });
      h.bump();
      expect(h.count).to.equal(1);
      await h.close();
    });

    it("is listed by resources() until closed, with its kind, name and label", async function () {
      const h = makeHandle({}, { kind: "tcp-server", name: "eco", label: "127.0.0.1:7896", release: () => {} });
      expect(resources().map(({ kind, name, label }) => ({ kind, name, label }))).to.deep.equal([
        { kind: "tcp-server", name: "eco", label: "127.0.0.1:7896" },
      ]);
      await h.close();
      expect(resources()).to.deep.equal([]);
    });

    it("leaves the registry before the release runs", async function () {
      let listedDuringRelease: number | undefined;
      const h = makeHandle({}, { kind: "other", release: () => void (listedDuringRelease = resources().length) });
      await h.close();
      expect(listedDuringRelease).to.equal(0);
    });

    it("a named handle is closed by replaceNamed", async function () {
      let releases = 0;
      makeHandle({}, { kind: "udp-socket", name: "eco-udp", release: () => void releases++ });
      expect(await replaceNamed("eco-udp")).to.equal(true);
      expect(releases).to.equal(1);
      expect(resources()).to.deep.equal([]);
    });

    it("closeAll() closes it through the registry, once", async function () {
      let releases = 0;
      const h = makeHandle({}, { kind: "other", release: () => void releases++ });
      expect(await closeAll()).to.equal(1);
      await h.close();
      expect(releases).to.equal(1);
    });

    it("the interrupt hook is called by interruptCell for the cell that opened it only", async function () {
      const interrupted: string[] = [];
      setCurrentCell(1);
      makeHandle({}, { kind: "other", label: "a", interrupt: () => interrupted.push("a"), release: () => {} });
      setCurrentCell(2);
      makeHandle({}, { kind: "other", label: "b", interrupt: () => interrupted.push("b"), release: () => {} });
      expect(interruptCell(1)).to.equal(1);
      expect(interrupted).to.deep.equal(["a"]);
      expect(resources().map((r) => [r.label, r.cell])).to.deep.equal([["a", 1], ["b", 2]]);
    });

    it("track: false keeps it out of the registry, and close() still releases", async function () {
      let releases = 0;
      const h = makeHandle({}, { kind: "other", track: false, release: () => void releases++ });
      expect(resources()).to.deep.equal([]);
      expect(await closeAll()).to.equal(0);
      await h.close();
      expect(releases).to.equal(1);
    });

    it('track: "later" registers it only when register() is called', async function () {
      const h = makeHandle({}, { kind: "other", label: "late", track: "later", release: () => {} });
      expect(resources()).to.deep.equal([]);
      expect(register(h)).to.equal(h);
      register(h); // a second call does not register it twice
      expect(resources().map((r) => r.label)).to.deep.equal(["late"]);
      await h.close();
      expect(resources()).to.deep.equal([]);
    });

    it('track: "later" and closed before register(): never registered', async function () {
      const h = makeHandle({}, { kind: "other", track: "later", release: () => {} });
      await h.close();
      register(h);
      expect(resources()).to.deep.equal([]);
    });

    it("register() does nothing for a handle built with track: false", function () {
      const h = makeHandle({}, { kind: "other", track: false, release: () => {} });
      register(h);
      expect(resources()).to.deep.equal([]);
    });

    it("ended: leaves the registry when the resource ends by itself; close() still releases once", async function () {
      let end!: () => void;
      const ended = new Promise<void>((r) => (end = r));
      let releases = 0;
      const h = makeHandle({}, { kind: "child-process", label: "pid 1", ended, release: () => void releases++ });
      expect(resources()).to.have.length(1);
      end();
      await ended;
      expect(resources()).to.deep.equal([]);
      expect(releases).to.equal(0);
      await Promise.all([h.close(), h.close()]);
      expect(releases).to.equal(1);
    });

    it("ended: a rejected promise also ends it", async function () {
      const ended = Promise.reject(new Error("spawn failed"));
      ended.catch(() => {});
      makeHandle({}, { kind: "child-process", ended, release: () => {} });
      await ended.catch(() => {});
      expect(resources()).to.deep.equal([]);
    });
  });

  describe("HandleBase", function () {
    it("close() three times runs release() once and returns the same promise", async function () {
      const h = new Counted();
      const calls = [h.close(), h.close(), h[Symbol.asyncDispose]()];
      expect(calls[1]).to.equal(calls[0]);
      expect(calls[2]).to.equal(calls[0]);
      await Promise.all(calls);
      expect(h.releases).to.equal(1);
    });

    it("closed is false until close() is called, and already true while release() runs", async function () {
      const h = new Counted();
      expect(h.closed).to.equal(false);
      const closing = h.close();
      expect(h.closed).to.equal(true); // set at once: a call made right after close() sees it closed
      await closing;
      expect(h.closedDuringRelease).to.equal(true);
    });

    it("closed is true after closeAll() closed it", async function () {
      const h = new Counted();
      await closeAll();
      expect(h.closed).to.equal(true);
      expect(h.releases).to.equal(1);
    });

    it("is listed by resources() until closed", async function () {
      const h = new Counted({ kind: "semaphore", label: "/cdlab-x" });
      expect(resources().map((r) => [r.kind, r.label])).to.deep.equal([["semaphore", "/cdlab-x"]]);
      await h.close();
      expect(resources()).to.deep.equal([]);
    });

    it("the interrupt hook is called by interruptCell", function () {
      let interrupts = 0;
      setCurrentCell(7);
      new Counted({ interrupt: () => void interrupts++ });
      expect(interruptCell(7)).to.equal(1);
      expect(interrupts).to.equal(1);
    });

    it("track: false keeps it out of the registry", async function () {
      const h = new Counted({ track: false });
      expect(resources()).to.deep.equal([]);
      await h.close();
      expect(h.releases).to.equal(1);
    });

    it('track: "later" with register()', async function () {
      const h = new Counted({ track: "later", label: "later" });
      expect(resources()).to.deep.equal([]);
      register(h);
      expect(resources().map((r) => r.label)).to.deep.equal(["later"]);
      await h.close();
      expect(resources()).to.deep.equal([]);
    });
  });
});
