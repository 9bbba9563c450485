/**
 * Interop with the lecture's four Java programs (test/fixtures/java), compiled
 * with javac into a temporary directory. Skipped, with a visible message, when
 * javac is not installed.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { udpRequest, udpServer, type UdpServer } from "../../src/net/udp";
import { tcpRequest, tcpServer, type TcpServer } from "../../src/net/tcp";
import { writeUTF } from "../../src/net/java-utf";
import { listeningPorts } from "../support/procs";
import { pollUntil } from "../support/poll";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "cdlab.js");
const SRC = path.join(ROOT, "test", "fixtures", "java");
const TEXT = "olá, mundo ☃ 𝄞";
// Java decodes argv and encodes stdout by the locale; make both UTF-8.
const JENV = { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };
const JOPTS = ["-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Xshare:auto", "-XX:TieredStopAtLevel=1"];

const hasJavac = spawnSync("javac", ["-version"], { stdio: "ignore" }).status === 0;

describe("net: interop with the lecture's Java programs", function () {
  let classes = "";
  const children: ChildProcess[] = [];
  const handles: { close(): Promise<void> }[] = [];

  before(function () {
    if (!hasJavac) {
      console.log("    (skipped: javac not found — install a JDK to run the Java interop tests)");
      this.skip();
    }
    this.timeout(60000);
    classes = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-java-"));
    const files = fs.readdirSync(SRC).filter((f) => f.endsWith(".java")).map((f) => path.join(SRC, f));
    const r = spawnSync("javac", ["-d", classes, ...files], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
  });
  after(function () {
    if (classes) fs.rmSync(classes, { recursive: true, force: true });
  });
  afterEach(async function () {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await new Promise((r) => c.once("exit", r));
      }
    }
  });

  /** Run a Java client without blocking the event loop (our servers live in this process). */
  const java = (cls: string, ...args: string[]) =>
    new Promise<{ stdout: string; status: number | null }>((resolve) => {
      const c = spawn("java", [...JOPTS, "-cp", classes, cls, ...args], { env: JENV, stdio: ["ignore", "pipe", "inherit"] });
      children.push(c);
      let stdout = "";
      c.stdout!.setEncoding("utf8").on("data", (d) => (stdout += d));
      c.on("close", (status) => resolve({ stdout, status }));
    });
  const javaServer = (cls: string, port: number) => {
    const c = spawn("java", [...JOPTS, "-cp", classes, cls, String(port)], { env: JENV, stdio: "ignore" });
    children.push(c);
    return c;
  };
  async function freePort(kind: "tcp" | "udp"): Promise<number> {
    if (kind === "tcp") {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      const port = (s.address() as net.AddressInfo).port;
      await new Promise((r) => s.close(r));
      return port;
    }
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it("Java UDPClient ↔ cdlab udpServer: same text back; Java prints its whole 1000-byte buffer", async function () {
    const got: string[] = [];
    const server: UdpServer = await udpServer({ port: 0, handler: (d) => (got.push(d.text), d.data) });
    handles.push(server);
    const r = await java("UDPClient", TEXT, "127.0.0.1", String(server.port));
    expect(got).to.deep.equal([TEXT]);
    const bytes = Buffer.byteLength(TEXT, "utf8");
    // new String(reply.getData()) decodes all 1000 bytes: the reply, then NUL characters.
    expect(r.stdout).to.equal(`Reply: ${TEXT}${"\u0000".repeat(1000 - bytes)}\n`);
  });

  it("Java TCPClient ↔ cdlab tcpServer (both modes): modified UTF-8 decoded, echoed", async function () {
    const got: string[] = [];
    const el: TcpServer = await tcpServer({ port: 0, handler: (m) => (got.push(m), m) });
    const th: TcpServer = await tcpServer({ port: 0, mode: "thread" });
    handles.push(el, th);
    expect((await java("TCPClient", TEXT, "127.0.0.1", String(el.port))).stdout).to.equal(`Received: ${TEXT}\n`);
    expect(got).to.deep.equal([TEXT]);
    expect((await java("TCPClient", TEXT, "localhost", String(th.port))).stdout).to.equal(`Received: ${TEXT}\n`);
  });

  it("cdlab tcp-client and tcpRequest ↔ Java TCPServer, U+0000 and 𝄞 byte for byte", async function () {
    const port = await freePort("tcp");
    const srv = javaServer("TCPServer", port);
    await pollUntil(() => listeningPorts(srv.pid!).includes(port), { timeoutMs: 15000, what: "Java TCPServer to listen" });
    const r = spawnSync(process.execPath, [BIN, "tcp-client", TEXT, "127.0.0.1", String(port)], { encoding: "utf8" });
    expect(r.stdout).to.equal(`Received: ${TEXT}\n`);
    for (const t of ["\u0000", "a\u0000𝄞", "x".repeat(65535)]) expect(await tcpRequest(t, { port })).to.equal(t);
    // Java re-encodes what it read: its bytes must equal ours.
    const frame = writeUTF("\u0000𝄞é");
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    sock.on("data", (c) => chunks.push(c));
    sock.write(frame);
    await new Promise((res) => sock.on("close", res));
    expect(Buffer.concat(chunks).toString("hex")).to.equal(frame.toString("hex"));
    expect(frame.toString("hex")).to.equal("000ac080eda0b4edb49ec3a9");
  });

  it("cdlab udp-client and udpRequest ↔ Java UDPServer, truncation at 1000 bytes", async function () {
    const port = await freePort("udp");
    javaServer("UDPServer", port);
    await pollUntil(() => udpRequest("ping", { port, timeoutMs: 200 }).then(() => true, () => false), {
      timeoutMs: 15000,
      what: "Java UDPServer to answer",
    });
    const r = spawnSync(process.execPath, [BIN, "udp-client", TEXT, "127.0.0.1", String(port)], { encoding: "utf8" });
    expect(r.stdout).to.equal(`Reply: ${TEXT}\n`);
    expect((await udpRequest("\u0000", { port })).data.toString("hex")).to.equal("00");
    const long = await udpRequest("y".repeat(1500), { port, bufferSize: 4000 });
    expect(long.length).to.equal(1000);
  });
});
