import { expect } from "chai";
import net from "node:net";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeProcAddress, listeningPorts, WELL_KNOWN_PORTS, portRange, ephemeralPortRange } from "../../../src/lectures/02-redes/ports";
import { socketOwners, jupyterKernelPorts } from "../../../src/lectures/02-redes/port-owners";

describe("network/ports", function () {
  const open: { close(cb: () => void): unknown }[] = [];
  afterEach(async function () {
    for (const s of open.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  });

  it("decodes /proc/net addresses", function () {
    expect(decodeProcAddress("0100007F:1F90")).to.deep.equal({ address: "127.0.0.1", port: 8080 });
    expect(decodeProcAddress("00000000000000000000000001000000:0016")).to.deep.equal({ address: "::1", port: 22 });
    expect(decodeProcAddress("0000000000000000FFFF00000100007F:0035")).to.deep.equal({ address: "::ffff:127.0.0.1", port: 53 });
    expect(() => decodeProcAddress("zz")).to.throw('Endereço ilegível em /proc/net "zz"');
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

describe("network/port-owners and port ranges", function () {
  const open: { close(cb: () => void): unknown }[] = [];
  afterEach(async function () {
    for (const s of open.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  });

  it("names the IANA range of a port and reads Linux's ephemeral range", async function () {
    expect([0, 1023, 1024, 49151, 49152, 65535].map(portRange)).to.deep.equal(["well-known", "well-known", "registrada", "registrada", "dinâmica", "dinâmica"]);
    expect(() => portRange(70000)).to.throw(/"port".*70000.*: esperado um inteiro de 0 a 65535$/);
    const { first, last } = await ephemeralPortRange();
    expect(first).to.be.within(1024, last);
  });

  it("finds this process as the owner of a server it opened", async function () {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    open.push(server);
    const port = (server.address() as net.AddressInfo).port;
    const mine = (await listeningPorts()).find((p) => p.protocol === "tcp" && p.port === port)!;
    expect((await socketOwners()).get(mine.inode)?.pid).to.equal(process.pid);
  });

  it("reads a kernel's ports from its connection file", async function () {
    const file = path.join(os.tmpdir(), `cdlab-conn-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ shell_port: 5001, iopub_port: 5002, stdin_port: 5003, control_port: 5004, hb_port: 5005, ip: "127.0.0.1" }));
    try {
      const ports = await jupyterKernelPorts(["node", "main.js", "--connection-file", file]);
      expect([...ports]).to.deep.equal([[5001, "shell"], [5002, "iopub"], [5003, "stdin"], [5004, "control"], [5005, "hb"]]);
      expect((await jupyterKernelPorts(["node", "main.js"])).size).to.equal(0);
    } finally {
      fs.unlinkSync(file);
    }
  });
});
