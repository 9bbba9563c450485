/**
 * The lecture's own programs compiled and run: Java (the four socket programs of lectures 03/04, started
 * by the notebooks' helpers) and what a machine without a JDK gets. C is covered by
 * test/lectures/05-processos/family.test.ts.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CdlabError } from "../../src/runtime/errors";
import { compileJava, compilers } from "../../src/proc/compile";
import { javaPrograms } from "../../src/proc/compiled-programs";
import { startJavaUdpServer, udpJava } from "../../src/lectures/03-sockets-udp/java";
import { startJavaTcpServer, tcpJava } from "../../src/lectures/04-sockets-tcp/java";
import { isAlive } from "../../src/proc/tree";

const hasJdk = compilers().javac !== undefined;

describe("proc/compile: the lecture's Java programs", function () {
  this.timeout(60000);

  it("lists the lecture's programs and their sources, slips fixed", async function () {
    const udp = await udpJava();
    expect(udp.names).to.deep.equal(["UDPClient", "UDPServer"]);
    expect(udp.source("UDPClient")).to.include("new DatagramPacket(m, m.length, aHost, serverPort)");
    expect(udp.source("UDPClient")).to.not.match(/^\s*DatagramPacket .*\.length\(\)/m);
    const tcp = await tcpJava();
    expect(tcp.names).to.deep.equal(["TCPClient", "TCPServer"]);
    expect(tcp.source("TCPServer")).to.match(/^class Connection extends Thread/m);
    expect(() => tcp.source("Nope")).to.throw(CdlabError, /esperado um de TCPClient, TCPServer/);
  });

  it("without a JDK: available is false, the note says why in pt-BR, run and start fail with ENOENT", async function () {
    const saved = process.env.PATH;
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-nopath-"));
    process.env.PATH = empty;
    try {
      const udp = await udpJava();
      expect(udp.available).to.equal(false);
      expect(udp.note).to.match(/Sem JDK/);
      expect(() => udp.run("UDPClient", ["x", "localhost"])).to.throw(CdlabError, /nenhum JDK/);
      expect(udp.source("UDPServer")).to.include("DatagramSocket");
    } finally {
      process.env.PATH = saved;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("a Java file that does not compile is one clear error", async function () {
    if (!hasJdk) return this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-badjava-"));
    try {
      fs.writeFileSync(path.join(dir, "Bad.java"), "public class Bad { void f() { int x = ; } }\n");
      const e = await compileJava([path.join(dir, "Bad.java")]).catch((err) => err);
      expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ERR_COMPILE" });
      expect(e.message).to.match(/^Não foi possível compilar Bad\.java: .*error/);
      const p = await javaPrograms(dir).catch((err) => err);
      expect(p).to.be.instanceOf(CdlabError).and.include({ code: "ERR_COMPILE" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("UDPServer and TCPServer start on a free port, answer the lecture's clients, and close with their JVM", async function () {
    if (!hasJdk) {
      console.log("    (skipped: no JDK — install one to run the lecture's Java programs)");
      return this.skip();
    }
    const udp = await udpJava();
    const us = await startJavaUdpServer(udp);
    const tcp = await tcpJava();
    const ts = await startJavaTcpServer(tcp);
    try {
      const u = await udp.run("UDPClient", ["olá", "localhost", String(us.port)]);
      expect(u.stdout.replace(/\u0000+/, "")).to.equal("Reply: olá\n");
      const t = await tcp.run("TCPClient", ["olá", "localhost", String(ts.port)]);
      expect(t.stdout).to.equal("Received: olá\n");
    } finally {
      await us.close();
      await ts.close();
    }
    expect(isAlive(us.pid), "UDPServer's JVM").to.equal(false);
    expect(isAlive(ts.pid), "TCPServer's JVM").to.equal(false);
  });
});
