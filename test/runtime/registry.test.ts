import { expect } from "chai";
import net from "node:net";
import { closeAll, interruptCell, relabel, replaceNamed, resources, setCurrentCell, track, untrack } from "../../src/runtime/registry";
import { once } from "../../src/runtime/handle";

/** A real TCP server registered like a helper would. */
async function namedServer(name?: string) {
  await replaceNamed(name);
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const handle = {
    server,
    close: once(async () => {
      untrack(handle);
      await new Promise<void>((r) => server.close(() => r()));
    }),
  };
  return track(handle, { kind: "tcp-server", name, label: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
}

describe("registry", function () {
  afterEach(async () => {
    setCurrentCell(undefined);
    await closeAll();
  });

  it("lists tracked resources and forgets them when closed", async function () {
    const h = await namedServer();
    expect(resources().map((r) => r.kind)).to.deep.equal(["tcp-server"]);
    relabel(h, "eco");
    expect(resources()[0].label).to.equal("eco");
    await h.close();
    await h.close();
    expect(resources()).to.deep.equal([]);
  });

  it("a named resource replaces the previous one of the same name", async function () {
    const first = await namedServer("eco");
    const second = await namedServer("eco");
    expect(first.server.listening).to.equal(false);
    expect(second.server.listening).to.equal(true);
    expect(resources().filter((r) => r.name === "eco")).to.have.length(1);
  });

  it("closeAll releases everything, even when a close throws or hangs", async function () {
    const a = await namedServer();
    track({ close: () => Promise.reject(new Error("boom")) }, { kind: "other" });
    track({ close: () => new Promise<void>(() => {}) }, { kind: "other" });
    const n = await closeAll({ timeoutMs: 100 });
    expect(n).to.equal(3);
    expect(a.server.listening).to.equal(false);
    expect(resources()).to.deep.equal([]);
  });

  it("interrupts only what the interrupted cell opened", async function () {
    const hits: string[] = [];
    setCurrentCell(1);
    track({ close() {} }, { kind: "child-process", interrupt: () => hits.push("cell1") });
    setCurrentCell(2);
    track({ close() {} }, { kind: "child-process", interrupt: () => hits.push("cell2") });
    expect(resources().map((r) => r.cell)).to.deep.equal([1, 2]);
    expect(interruptCell(2)).to.equal(1);
    expect(hits).to.deep.equal(["cell2"]);
  });
});
