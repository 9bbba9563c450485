import { expect } from "chai";
import { startNat, type Nat } from "../../../src/lectures/02-redes/nat";
import { resources } from "../../../src/runtime/registry";
import { pollUntil } from "../../support/poll";
import { peer, type Peer } from "../../net/udp-peer";
import { listeningPorts } from "../../../src/lectures/02-redes/ports";

describe("network/nat", function () {
  let nat: Nat | undefined;
  const peers: Peer[] = [];
  afterEach(async function () {
    await nat?.close();
    await nat?.close();
    for (const p of peers.splice(0)) await p.close();
    expect(resources().filter((r) => r.kind === "relay" && /^NAT /.test(r.label ?? ""))).to.deep.equal([]);
  });

  it("gives each inside client its own outside port and translates replies back", async function () {
    const server = await peer(true);
    const [a, b] = [await peer(), await peer()];
    peers.push(server, a, b);
    nat = await startNat({ target: server.port });
    await a.send("oi de A", nat.port);
    await b.send("oi de B", nat.port);
    await a.send("de novo A", nat.port);
    await pollUntil(() => a.received.length === 2 && b.received.length === 1, { what: "replies through NAT" });
    const table = nat.table();
    expect(table).to.have.length(2);
    const rowA = table.find((r) => r.inside === `127.0.0.1:${a.port}`)!;
    const rowB = table.find((r) => r.inside === `127.0.0.1:${b.port}`)!;
    expect(rowA).to.include({ packetsOut: 2, packetsIn: 2, remote: `127.0.0.1:${server.port}` });
    expect(rowA.outside).to.not.equal(rowB.outside);
    // the server saw only the NAT's outside addresses, never the clients'
    expect(server.received.map((m) => m.from)).to.deep.equal([rowA.outside, rowB.outside, rowA.outside]);
    expect(a.received[0].text).to.equal(`eco:oi de A de ${rowA.outside}`);
    // closing releases the inside port and every outside port
    const ports = [nat.port, ...table.map((r) => Number(r.outside.split(":")[1]))];
    await nat.close();
    const still = (await listeningPorts()).filter((p) => p.protocol === "udp" && ports.includes(p.port));
    expect(still).to.deep.equal([]);
  });

  it("rejects a non-loopback or missing target with one clear line", async function () {
    let err: Error | undefined;
    await startNat({ target: { host: "8.8.8.8", port: 53 } }).catch((e) => (err = e));
    expect((err as { code?: string } | undefined)?.code).to.equal("ERR_INVALID_ARG");
    expect(err?.message).to.include('"target.host"').and.include('"8.8.8.8"').and.not.include("\n");
    await startNat({ target: 70000 }).catch((e) => (err = e));
    expect((err as { code?: string } | undefined)?.code).to.equal("ERR_INVALID_PORT");
    expect(err?.message).to.include("target.port").and.include("70000");
  });

  it("replaces a NAT started under the same name", async function () {
    const server = await peer(true);
    peers.push(server);
    const first = await startNat({ target: server.port, name: "nat-test-replace" });
    nat = await startNat({ target: server.port, name: "nat-test-replace" });
    expect(resources().filter((r) => r.name === "nat-test-replace")).to.have.length(1);
    await first.close();
  });
});
