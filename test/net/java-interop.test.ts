/**
 * Interop with the lecture's four Java programs (src/lectures/03-sockets-udp/java and
 * src/lectures/04-sockets-tcp/java), compiled with compileJava (cdlab/proc). Skipped, with a visible message, when
 * javac is not installed.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { udpRequest, udpServer, type UdpServer } from "../../src/net/udp";
import { tcpRequest, tcpServer, type TcpServer } from "../../src/net/tcp";
import { writeUTF } from "../../src/net/java-utf";
import { freePort } from "../../src/net/free-port";
import { compileJava, compilers } from "../../src/proc/compile";
import { runJava, startJava } from "../../src/proc/compiled-programs";
import { TCP_JAVA_DIR } from "../../src/lectures/04-sockets-tcp/java";
import { UDP_JAVA_DIR } from "../../src/lectures/03-sockets-udp/java";
import { listeningPorts } from "../support/procs";
import { pollUntil } from "../support/poll";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "cdlab.js");
const TEXT = "olá, mundo ☃ 𝄞";
const hasJavac = compilers().javac !== undefined;

describe("net: interop with the lecture's Java programs", function () {
  let classes = "";
  const handles: { close(): Promise<void> }[] = [];

  before(function () {
    if (!hasJavac) {
      console.log("    (skipped: javac not found — install a JDK to run the Java interop tests)");
      this.skip();
    }
    this.timeout(60000);
    const files = [UDP_JAVA_DIR, TCP_JAVA_DIR].flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith(".java")).map((f) => path.join(d, f)));
    return compileJava(files).then((dir) => (classes = dir));
  });
  afterEach(async function () {
    await Promise.all(handles.splice(0).map((h) => h.close()));
  });

  /** Run a Java client without blocking the event loop (our servers live in this process). */
  const java = async (cls: string, ...args: string[]) => {
    const r = await runJava(classes, cls, args, { timeout: 30000 });
    return { stdout: r.stdout, status: r.exitCode };
  };
  const javaServer = async (cls: string, port: number) => {
    const c = await startJava(classes, cls, [String(port)], { timeout: 0, stdio: "ignore" });
    handles.push(c);
    return c;
  };

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
    const srv = await javaServer("TCPServer", port);
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
    await javaServer("UDPServer", port);
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
