import { expect } from "chai";
import dgram from "node:dgram";
import { queueingLink } from "../../../src/lectures/01-sistemas-distribuidos/queue-link";
import { openUdpRelay, type UdpRelay } from "../../../src/net/udp-relay";

describe("distributed/queue-link", function () {
  this.timeout(10000);
  const open: { close(): unknown }[] = [];
  afterEach(async function () {
    for (const c of open.splice(0).reverse()) await c.close();
  });

  const udp = async () => {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
    return s;
  };

  it("lets one datagram on the link and queueLimit waiting, and drops the rest of a burst", async function () {
    const server = await udp();
    const got: number[] = [];
    server.on("message", (m) => got.push(Number(m.toString())));
    const link = queueingLink({ packetsPerSecond: 10, queueLimit: 3 }); // 100 ms each: the whole burst arrives within the first
    expect(link.serviceMs).to.equal(100);
    const relay: UdpRelay = await openUdpRelay({ target: server.address().port, inspect: link.inspect });
    open.push(relay);
    const client = await udp();
    for (let i = 0; i < 8; i++) client.send(String(i), relay.port, "127.0.0.1");
    const until = Date.now() + 3000;
    while (got.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    // one on the link + 3 waiting; the other 4 are dropped
    expect(got).to.deep.equal([0, 1, 2, 3]);
    expect(link.stats()).to.deep.equal({ forwarded: 4, dropped: 4, maxQueue: 3 });
  });

  it("validates its options", function () {
    expect(() => queueingLink({ packetsPerSecond: 0 })).to.throw('Opção "packetsPerSecond" inválida');
    expect(() => queueingLink({ queueLimit: -1 })).to.throw('Opção "queueLimit" inválida');
  });
});
