import { expect } from "chai";
import dgram from "node:dgram";
import { bindUdp } from "../../src/net/datagram";
import { lossyPolicy, lossyRelay, type LossyRelay } from "../../src/net/lossy-relay";
import { udpServer, udpSocket, type UdpServer, type UdpSocket } from "../../src/net/udp";
import { openUdpRelay, type RelayInspect, type UdpRelay } from "../../src/net/udp-relay";
import { resources } from "../../src/runtime/registry";
import { pollUntil } from "../support/poll";
import { expectAddressInUse, failure } from "./helpers";
import { peer, type Peer } from "./udp-peer";

describe("net/udp-relay", function () {
  const open: { close(): Promise<void> }[] = [];
  const keep = <T extends { close(): Promise<void> }>(h: T) => (open.push(h), h);
  afterEach(async function () {
    for (const h of open.splice(0).reverse()) await h.close();
    expect(resources().filter((r) => r.kind === "relay")).to.deep.equal([]);
  });

  /** An echo server, a client and the relay between them with `inspect`. */
  async function link(inspect?: RelayInspect): Promise<{ server: Peer; client: Peer; relay: UdpRelay }> {
    const server = keep(await peer(true));
    const client = keep(await peer());
    const relay = keep(await openUdpRelay({ target: server.port, inspect }));
    return { server, client, relay };
  }

  it("forwards both ways by default and keeps one outside port per client", async function () {
    const { server, client, relay } = await link();
    await client.send("oi", relay.port);
    await pollUntil(() => client.received.length === 1, { what: "the echo through the relay" });
    const [flow] = relay.flows();
    expect(server.received).to.deep.equal([{ text: "oi", from: `127.0.0.1:${flow.outsidePort}` }]);
    expect(client.received.map((m) => m.text)).to.deep.equal([`eco:oi de 127.0.0.1:${flow.outsidePort}`]);
    expect(flow).to.include({ packetsOut: 1, packetsIn: 1, bytesOut: 2 });
    expect(flow.client).to.deep.equal({ address: "127.0.0.1", port: client.port });
  });

  it("asks the hook about every datagram, in each direction, and drops what it drops", async function () {
    const seen: string[] = [];
    const { server, client, relay } = await link((data, _from, direction) => {
      seen.push(`${direction} ${data}`);
      if (data.toString().includes("secreto")) return { drop: "secret" };
      if (direction === "in" && data.toString().includes("b")) return { drop: "no replies to b" };
    });
    for (const text of ["a", "secreto", "b", "c"]) await client.send(text, relay.port);
    await pollUntil(() => server.received.length === 3 && client.received.length === 2, { what: "three forwarded, two replies" });
    expect(server.received.map((m) => m.text)).to.deep.equal(["a", "b", "c"]);
    expect(client.received.map((m) => m.text.split(" ")[0])).to.deep.equal(["eco:a", "eco:c"]);
    expect(seen.filter((s) => s.startsWith("out"))).to.deep.equal(["out a", "out secreto", "out b", "out c"]);
    expect(seen.filter((s) => s.startsWith("in")).map((s) => s.split(" ")[1])).to.have.members(["eco:a", "eco:b", "eco:c"]);
    expect(relay.flows()[0]).to.include({ packetsOut: 3, packetsIn: 2 });
  });

  it("delays a datagram behind later ones, or holds it until a promise settles", async function () {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server, client, relay } = await link((data, _from, direction) => {
      if (direction === "out" && data.toString() === "held") return { until: gate };
      if (direction === "out" && data.toString() === "slow") return { delayMs: 100 };
    });
    await client.send("held", relay.port);
    await client.send("slow", relay.port);
    await client.send("fast", relay.port);
    await pollUntil(() => server.received.length === 2, { what: "the fast and the slow datagram" });
    expect(server.received.map((m) => m.text)).to.deep.equal(["fast", "slow"]);
    release();
    await pollUntil(() => server.received.length === 3, { what: "the held datagram" });
    expect(server.received.map((m) => m.text)).to.deep.equal(["fast", "slow", "held"]);
  });

  it("rewrites a datagram's bytes", async function () {
    const { server, client, relay } = await link((data, _from, direction) =>
      direction === "out" ? { data: Buffer.from(data.toString().toUpperCase()) } : { data: Buffer.from("resposta") },
    );
    await client.send("minúsculas", relay.port);
    await pollUntil(() => client.received.length === 1, { what: "the rewritten reply" });
    expect(server.received.map((m) => m.text)).to.deep.equal(["MINÚSCULAS"]);
    expect(client.received.map((m) => m.text)).to.deep.equal(["resposta"]);
  });

  it("close() (any number of times) releases the inside port and every outside port", async function () {
    const server = keep(await peer(true));
    const client = keep(await peer());
    const relay = await openUdpRelay({ target: server.port });
    await client.send("oi", relay.port);
    await pollUntil(() => client.received.length === 1, { what: "the echo" });
    const ports = [relay.port, relay.flows()[0].outsidePort];
    await Promise.all([relay.close(), relay.close(), relay.close()]);
    for (const port of ports) {
      const s = dgram.createSocket("udp4");
      expect(await bindUdp(s, port)).to.equal(port); // free again
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it("fails on a taken port with EADDRINUSE, naming the address", async function () {
    const taken = keep(await peer());
    await expectAddressInUse(openUdpRelay({ target: 9, port: taken.port }), `Não foi possível associar o relay a 127.0.0.1:${taken.port}`);
  });

  it("refuses a target off this machine unless loopbackOnly is false", async function () {
    const err = await failure(openUdpRelay({ target: { host: "10.0.0.1", port: 53 } }));
    expect(err.message).to.equal('Opção "target.host" inválida ("10.0.0.1"): esperado um endereço de loopback (127.x.x.x): os relays ficam nesta máquina');
    const relay = keep(await openUdpRelay({ target: { host: "10.0.0.1", port: 53 }, loopbackOnly: false }));
    expect(relay.target).to.deep.equal({ address: "10.0.0.1", port: 53 });
  });
});

describe("net/lossy-relay", function () {
  let server: UdpServer | undefined;
  let relay: LossyRelay | undefined;
  let client: UdpSocket | undefined;
  afterEach(async function () {
    await Promise.all([client?.close(), relay?.close(), server?.close()]);
    expect(resources().filter((r) => r.kind === "relay" || r.kind === "udp-socket")).to.deep.equal([]);
  });

  async function run(seed: number, count = 20, options: { reorderRate?: number; holdMs?: number } = { reorderRate: 0.3, holdMs: 20 }) {
    server = await udpServer({ port: 0 });
    relay = await lossyRelay({ target: { port: server.port }, dropRate: 0.2, seed, ...options });
    client = await udpSocket();
    for (let i = 0; i < count; i++) await client.send(`m${i}`, { port: relay.port });
    const got: string[] = [];
    for (;;) {
      try {
        got.push((await client.receive({ timeoutMs: 300 })).text);
      } catch {
        break;
      }
    }
    const log = relay.log.map((l) => l.fate);
    await Promise.all([client.close(), relay.close(), server.close()]);
    return { got, log };
  }

  it("drops and reorders reproducibly for a seed, and never retransmits", async function () {
    const a = await run(42);
    const b = await run(42);
    expect(a).to.deep.equal(b);
    const dropped = a.log.filter((f) => f === "dropped").length;
    expect(dropped).to.be.greaterThan(0);
    expect(a.got).to.have.length(20 - dropped);
    expect(a.got).to.not.deep.equal([...a.got].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))));
    expect(new Set(a.got).size).to.equal(a.got.length);
  });

  it("gives notebook 03's outcome for seed 7: a held datagram goes right after the next one, or after holdMs", async function () {
    const { got, log } = await run(7, 12, { reorderRate: 0.2 });
    const [d, f, h] = ["dropped", "forwarded", "delayed"] as const;
    expect(log).to.deep.equal([d, d, f, f, f, f, f, h, f, f, h, d]);
    expect(got).to.deep.equal(["m2", "m3", "m4", "m5", "m6", "m8", "m7", "m9", "m10"]);
  });

  it("registers itself as a relay until closed", async function () {
    server = await udpServer({ port: 0 });
    relay = await lossyRelay({ target: { port: server.port }, name: "lossy-test" });
    expect(resources().filter((r) => r.name === "lossy-test").map((r) => [r.kind, r.label])).to.deep.equal([
      ["relay", `udp 127.0.0.1:${relay.port} → 127.0.0.1:${server.port}`],
    ]);
  });

  it("as a policy: one seeded number per datagram, replies too with directions: \"both\"", function () {
    const outOnly = lossyPolicy({ dropRate: 0.5, seed: 3 });
    const both = lossyPolicy({ dropRate: 0.5, seed: 3, directions: "both" });
    const from = { address: "127.0.0.1", port: 1 };
    const fates = (p: typeof both) =>
      ["a", "b", "c", "d", "e", "f"].map((t, i) => p.inspect(Buffer.from(t), from, i % 2 ? "in" : "out")?.drop ?? "ok");
    const a = fates(outOnly);
    const b = fates(both);
    expect(a.filter((_f, i) => i % 2)).to.deep.equal(["ok", "ok", "ok"]); // replies untouched
    expect(outOnly.log.map((e) => e.text)).to.deep.equal(["a", "c", "e"]);
    expect(both.log.map((e) => e.text)).to.deep.equal(["a", "b", "c", "d", "e", "f"]);
    expect(b).to.include("lost");
    const again = lossyPolicy({ dropRate: 0.5, seed: 3, directions: "both" });
    expect(fates(again)).to.deep.equal(b);
  });

  it("validates its options", async function () {
    for (const [o, re] of [
      [{ target: { port: 1 }, dropRate: 2 }, /^Opção "dropRate" inválida \(2\)/],
      [{ target: { port: 70000 } }, /^Opção "target.port" inválida \(70000\)/],
      [{}, /^Opção "target" inválida/],
    ] as const) {
      expect((await failure(lossyRelay(o as never))).message).to.match(re);
    }
  });
});
