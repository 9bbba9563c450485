import { expect } from "chai";
import net from "node:net";
import dgram from "node:dgram";
import { decodeProcAddress, listeningPorts, WELL_KNOWN_PORTS } from "../../../src/lectures/02-redes/ports";

describe("network/ports", function () {
  const open: { close(cb: () => void): unknown }[] = [];
  afterEach(async function () {
    for (const s of open.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  });

  it("decodes /proc/net addresses", function () {
    expect(decodeProcAddress("0100007F:1F90")).to.deep.equal({ address: "127.0.0.1", port: 8080 });
    expect(decodeProcAddress("00000000000000000000000001000000:0016")).to.deep.equal({ address: "::1", port: 22 });
    expect(decodeProcAddress("0000000000000000FFFF00000100007F:0035")).to.deep.equal({ address: "::ffff:127.0.0.1", port: 53 });
    expect(() => decodeProcAddress("zz")).to.throw('Cannot parse /proc/net address "zz"');
    expect(WELL_KNOWN_PORTS.find((w) => w.port === 443)?.service).to.equal("HTTPS");
  });

  it("lists a TCP server and a UDP socket this test just opened", async function () {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    open.push(server, udp);
    const tcpPort = (server.address() as net.AddressInfo).port, udpPort = udp.address().port;
    const ports = await listeningPorts();
    expect(ports.find((p) => p.protocol === "tcp" && p.port === tcpPort)).to.include({ address: "127.0.0.1", loopbackOnly: true });
    expect(ports.find((p) => p.protocol === "udp" && p.port === udpPort)).to.include({ address: "127.0.0.1" });
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    let err: Error | undefined;
    await listeningPorts({ signal: ac.signal }).catch((e) => (err = e));
    expect(err?.message).to.equal("stop");
  });
});
