import { expect } from "chai";
import { startSyncServer, openReplica, type SyncServer } from "../../../src/lectures/01-sistemas-distribuidos/replicas";
import { resources } from "../../../src/runtime/registry";
import { listeningPorts } from "../../../src/lectures/02-redes/ports";

describe("distributed/replicas", function () {
  let server: SyncServer | undefined;
  afterEach(async function () {
    const port = server?.port;
    await server?.close();
    await server?.close();
    server = undefined;
    if (port) expect((await listeningPorts()).filter((p) => p.protocol === "tcp" && p.port === port)).to.deep.equal([]);
    expect(resources().filter((r) => /servidor de sincronização/.test(r.label ?? ""))).to.deep.equal([]);
  });

  it("keeps offline changes local until a sync, then every replica converges on the server's order", async function () {
    server = await startSyncServer();
    const alice = openReplica({ port: server.port, name: "alice" });
    const bob = openReplica({ port: server.port, name: "bob" });
    alice.set("BR-101", "lento");
    bob.set("BR-101", "livre");
    bob.set("radar", "km 42");
    expect(alice.entries()).to.deep.equal([["BR-101", "lento"]]);
    expect(server.log()).to.deep.equal([]);
    expect(await alice.sync()).to.deep.equal({ sent: 1, received: 1 });
    expect(await bob.sync()).to.deep.equal({ sent: 2, received: 3 });
    expect(await alice.sync()).to.deep.equal({ sent: 0, received: 2 });
    expect(alice.entries()).to.deep.equal(bob.entries());
    expect(alice.get("BR-101"), "bob's write reached the server last").to.equal("livre");
    expect(server.log().map((e) => [e.version, e.by, e.key])).to.deep.equal([[1, "alice", "BR-101"], [2, "bob", "BR-101"], [3, "bob", "radar"]]);
    expect([alice.version, bob.version, alice.pending().length]).to.deep.equal([3, 3, 0]);
  });

  it("keeps the pending changes when the server is gone, and validates its options", async function () {
    server = await startSyncServer();
    const port = server.port;
    await server.close();
    const carol = openReplica({ port, name: "carol" });
    carol.set("x", "1");
    let err: Error | undefined;
    await carol.sync().catch((e) => (err = e));
    expect((err as { code?: string })?.code).to.equal("ECONNREFUSED");
    expect(carol.pending()).to.deep.equal([{ key: "x", value: "1" }]);
    expect(() => openReplica({ port: 0, name: "x" })).to.throw('Opção "port" inválida (0)');
  });
});
