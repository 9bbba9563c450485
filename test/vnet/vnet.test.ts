/**
 * Virtual networks on the real kernel: three hosts and a router (namespaces, veth links, forwarding), UDP and
 * TCP echoes across it, NAT in the kernel's conntrack table, a firewall drop counted by the kernel, a partition
 * healed, a rate limit whose queue delays a probe, and nothing left behind. Skipped, with the reason, where
 * namespaces cannot be created.
 */
import { expect } from "chai";
import { readlinkSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { virtualNetwork, vnetSupport, type VirtualNetwork } from "../../src/vnet";
import type { ChildHandle } from "../../src/proc/child";
import { descendants, isAlive } from "../../src/proc/tree";
import { interruptCell, resources, setCurrentCell } from "../../src/runtime/registry";
import { failure } from "../net/helpers";
import { outside } from "./outside";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { setupVnet } = require("../../scripts/setup-vnet.js") as { setupVnet(log: (m: string) => void): boolean };

const ROOT = path.resolve(__dirname, "../..");
const CDLAB = path.join(ROOT, "bin/cdlab.js");
const fixture = (name: string) => path.join(__dirname, "fixtures", name);

/** The first stdout line of `child` matching `re`. */
function line(child: ChildHandle, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no line ${re} in: ${out}`)), 10000);
    child.child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = re.exec(out);
      if (m) resolve(m), clearTimeout(timer);
    });
  });
}

/** Start the cdlab CLI's UDP echo server on `host` (port 0), with its port. */
async function udpEcho(rede: VirtualNetwork, host: string, started: ChildHandle[]): Promise<{ echo: ChildHandle; port: string }> {
  const echo = await rede.host(host).start(process.execPath, { args: [CDLAB, "udp-server", "0", "--host", "0.0.0.0"], timeout: 0 });
  started.push(echo);
  const [, port] = await line(echo, /listening \S+:(\d+)/);
  return { echo, port };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("vnet: several machines on the real kernel", function () {
  this.timeout(30000);
  let rede: VirtualNetwork;
  let before0: string;
  const started: ChildHandle[] = [];

  before(async function () {
    setupVnet(() => undefined);
    const s = vnetSupport();
    if (!s.available) {
      console.log(`    (skipped: ${s.reason})`);
      this.skip();
    }
    before0 = outside();
    rede = await virtualNetwork({ hosts: ["cliente", "servidor", "outro"], router: { nat: ["cliente"] } });
  });

  after(async () => {
    await rede?.close();
  });

  it("gives each host its own address and a router that forwards between them", async () => {
    expect(rede.hosts.map((h) => h.address)).to.deep.equal(["10.200.1.2", "10.200.2.2", "10.200.3.2"]);
    const addr = await rede.host("servidor").run("ip", ["-4", "-o", "addr", "show", "eth0"]);
    expect(addr.stdout).to.include("10.200.2.2/24");
    expect((await rede.host("servidor").run("ip", ["route"])).stdout).to.include("default via 10.200.2.1");
  });

  it("echoes UDP and TCP across the router with the cdlab CLI", async () => {
    const srv = rede.host("servidor");
    const udp = await srv.start(process.execPath, { args: [CDLAB, "udp-server", "0", "--host", "0.0.0.0"], timeout: 0 });
    const tcp = await srv.start(process.execPath, { args: [CDLAB, "tcp-server", "0", "--host", "0.0.0.0"], timeout: 0 });
    started.push(udp, tcp);
    const [, udpPort] = await line(udp, /listening \S+:(\d+)/);
    const [, tcpPort] = await line(tcp, /listening \S+:(\d+)/);
    const u = await rede.host("outro").run(process.execPath, [CDLAB, "udp-client", "olá da outra máquina", srv.address, udpPort]);
    expect(u.stdout).to.include("Reply: olá da outra máquina");
    const t = await rede.host("cliente").run(process.execPath, [CDLAB, "tcp-client", "oi via TCP", srv.address, tcpPort, "--timeout", "5000"]);
    expect(t.stdout).to.include("Received: oi via TCP");
    await Promise.all([udp.close(), tcp.close()]);
  });

  it("translates the client's address (masquerade) and the kernel's conntrack table shows it", async function () {
    if (!vnetSupport().nft) this.skip();
    const who = await rede.host("servidor").startProgram(fixture("who-echo.js"), { timeout: 0 });
    started.push(who);
    const [, port] = await line(who, /listening (\d+)/);
    const code = `const s=require("dgram").createSocket("udp4");s.on("message",m=>{console.log(String(m));s.close()});s.send("?",${port},"10.200.2.2")`;
    const seen = await rede.host("cliente").run(process.execPath, ["-e", code], { timeout: 5000 });
    expect(seen.stdout).to.match(/^10\.200\.2\.1:\d+/); // the server saw the router, not 10.200.1.2
    const flow = (await rede.router!.conntrack()).find((e) => e.protocol === "udp" && e.original.dport === Number(port));
    expect(flow, "a conntrack entry for the flow").to.not.equal(undefined);
    expect(flow!.original.src).to.equal("10.200.1.2");
    expect(flow!.reply.dst).to.equal("10.200.2.1");
    expect(flow!.nat).to.equal(true);
    await who.close();
  });

  it("drops with a firewall rule in the router, and the kernel counts the drops", async function () {
    if (!vnetSupport().nft) this.skip();
    const { echo, port } = await udpEcho(rede, "servidor", started);
    const handle = await rede.router!.addRule({ from: "outro", protocol: "udp", port: Number(port) });
    const blocked = await rede.host("outro").run(process.execPath, [CDLAB, "udp-client", "bloqueado?", "10.200.2.2", port, "--timeout", "800"]);
    expect(blocked.stdout).to.not.include("Reply");
    const passes = await rede.host("cliente").run(process.execPath, [CDLAB, "udp-client", "e este?", "10.200.2.2", port, "--timeout", "3000"]);
    expect(passes.stdout).to.include("Reply: e este?");
    const rule = (await rede.router!.rules()).find((r) => r.handle === handle);
    expect(rule!.rule).to.include(`udp dport ${port} drop`);
    expect(rule!.packets).to.be.at.least(1);
    await rede.router!.removeRule(handle);
    expect((await rede.router!.rules()).find((r) => r.handle === handle)).to.equal(undefined);
    await echo.close();
  });

  it("listens on a host from this process: clients reach it through the router; a taken port is EADDRINUSE", async () => {
    const server = await rede.host("servidor").listen();
    try {
      const port = (server.address() as AddressInfo).port;
      server.on("connection", (c) => c.end(`oi, ${c.remoteAddress}`));
      const client = `const s=require("net").connect(${port},"10.200.2.2");s.setEncoding("utf8");s.on("data",(d)=>process.stdout.write(d));s.on("error",(e)=>console.log(e.code))`;
      expect((await rede.host("outro").run(process.execPath, ["-e", client], { timeout: 5000 })).stdout).to.equal("oi, 10.200.3.2");
      expect((await failure(rede.host("servidor").listen(port))).code).to.equal("EADDRINUSE");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("partitions a host (its link cut) and heals it", async () => {
    const { echo, port } = await udpEcho(rede, "servidor", started);
    const ask = (timeout: number) => rede.host("outro").run(process.execPath, [CDLAB, "udp-client", "ping", "10.200.2.2", port, "--timeout", String(timeout)]);
    expect((await ask(3000)).stdout).to.include("Reply: ping");
    await rede.cut("servidor");
    expect((await ask(800)).stdout).to.not.include("Reply");
    await rede.heal("servidor");
    expect((await ask(3000)).stdout).to.include("Reply: ping");
    await echo.close();
  });

  it("limits a link's rate (tbf): a saturating flow makes the queueing delay grow", async () => {
    const srv = rede.host("servidor");
    const { echo, port: echoPort } = await udpEcho(rede, "servidor", started);
    const sink = await srv.start(process.execPath, { args: [fixture("tcp-sink.js")], timeout: 0 });
    started.push(sink);
    const [, sinkPort] = await line(sink, /listening (\d+)/);
    await rede.limit("servidor", { rate: "1mbit", latency: "300ms" });
    const probe = async () =>
      JSON.parse((await rede.host("outro").run(process.execPath, [fixture("rtt-probe.js"), "10.200.2.2", echoPort, "10", "100"])).stdout) as { rtts: number[] };
    const idle = median((await probe()).rtts);
    const flood = await rede.host("cliente").start(process.execPath, { args: [fixture("tcp-flood.js"), "10.200.2.2", sinkPort, "4000"] });
    started.push(flood);
    await new Promise((r) => setTimeout(r, 1000)); // the flow fills the queue
    const probing = probe();
    const backlogs: number[] = [];
    const kinds = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const q = await rede.queue("servidor");
      backlogs.push(q.backlog), kinds.add(q.qdisc);
      await new Promise((r) => setTimeout(r, 150));
    }
    const loaded = (await probing).rtts;
    await flood.result;
    await rede.limit("servidor", undefined);
    expect((await rede.queue("servidor")).qdisc).to.not.equal("tbf");
    // The kernel's own count: packets wait in the router's tbf queue toward servidor…
    expect([...kinds]).to.deep.equal(["tbf"]);
    expect(Math.max(...backlogs), "bytes queued under load").to.be.greaterThan(3000);
    // …and a probe that crosses the same queue waits behind them.
    expect(loaded.length, "some probes answered under load").to.be.at.least(3);
    expect(median(loaded)).to.be.greaterThan(5 * idle);
    await Promise.all([echo.close(), sink.close()]);
  });

  it("leaves nothing behind: no namespace, link, rule or process", async () => {
    const sleeper = await rede.host("servidor").start("sleep", { args: ["60"], timeout: 0 });
    started.push(sleeper);
    // Our processes inside the network's namespaces: the anchor (the switch's namespace) and servidor's sleep.
    const own = readlinkSync("/proc/self/ns/net");
    const netnsOf = (pid: number) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        return own;
      }
    };
    let inside: number[] = [];
    for (let i = 0; i < 100 && !inside.includes(sleeper.pid); i++) {
      await new Promise((r) => setTimeout(r, 50)); // until `ip netns exec` has entered servidor's namespace
      inside = descendants(process.pid).filter((p) => netnsOf(p) !== own);
    }
    expect(inside.length).to.be.at.least(2);
    await rede.close();
    await rede.close(); // idempotent
    expect(outside()).to.equal(before0);
    expect((await failure(rede.host("cliente").run("true"))).code).to.equal("ERR_VNET_CLOSED");
    expect((await failure(rede.cut("cliente"))).code).to.equal("ERR_VNET_CLOSED");
    for (const c of started) expect(c.child.exitCode !== null || c.child.signalCode !== null, `child ${c.pid} ended`).to.equal(true);
    // Nothing holds a namespace of the network any more: its processes are gone, and with the anchor its mounts.
    expect(inside.filter(isAlive)).to.deep.equal([]);
    expect(resources().filter((r) => /rede virtual| em (cliente|servidor|outro)/.test(r.label ?? ""))).to.deep.equal([]);
  });
});

describe("vnet: a bridge network, removed by an interrupt of the cell that made it", function () {
  this.timeout(30000);

  it("echoes across the bridge, then the interrupt removes the network and what runs on it", async function () {
    if (!vnetSupport().available) return this.skip();
    const before0 = outside();
    setCurrentCell(9001);
    let rede: VirtualNetwork;
    try {
      rede = await virtualNetwork({ hosts: ["a", "b"] });
    } finally {
      setCurrentCell(undefined);
    }
    expect(rede.router).to.equal(undefined);
    const { echo, port } = await udpEcho(rede, "b", []);
    const r = await rede.host("a").run(process.execPath, [CDLAB, "udp-client", "pela ponte", "10.200.0.3", port]);
    expect(r.stdout).to.include("Reply: pela ponte");
    expect(interruptCell(9001)).to.be.at.least(1); // the network (and its anchor process)
    await echo.result; // the network's close stops what runs on its hosts
    await rede.close(); // the interrupt's close, already under way
    expect(resources().filter((x) => /rede virtual/.test(x.label ?? ""))).to.deep.equal([]);
    expect(outside()).to.equal(before0);
  });
});
