import { expect } from "chai";
import dgram from "node:dgram";
import { udpRequest, udpServer, udpSocket, type UdpServer, type UdpSocket } from "../../src/net/udp";
import { Trace } from "../../src/net/trace";
import { resources } from "../../src/runtime/registry";
import { CdlabError } from "../../src/runtime/errors";
import { callsOf, expectAddressInUse, failure } from "./helpers";


describe("net/udp", function () {
  const open: { close(): Promise<void> }[] = [];
  const keep = <T extends { close(): Promise<void> }>(h: T) => (open.push(h), h);
  afterEach(async function () {
    await Promise.all(open.splice(0).map((h) => h.close()));
    expect(resources().filter((r) => r.kind === "udp-socket" || r.kind === "relay")).to.deep.equal([]);
  });

  it("echoes a UTF-8 datagram on a free port and registers itself until closed", async function () {
    const server = keep(await udpServer({ port: 0 }));
    expect(server.port).to.be.greaterThan(0);
    expect(resources().some((r) => r.kind === "udp-socket" && r.label === `udp 127.0.0.1:${server.port}`)).to.equal(true);
    const reply = await udpRequest("olá, mundo ☃ 𝄞", { port: server.port });
    expect(reply.text).to.equal("olá, mundo ☃ 𝄞");
    expect(reply.truncated).to.equal(false);
    expect(server.received).to.equal(1);
  });

  it("truncates a datagram longer than 1000 bytes as Java's DatagramPacket does", async function () {
    const server = keep(await udpServer({ port: 0 }));
    const msg = "a".repeat(999) + "ção" + "z".repeat(500); // 'ç' straddles byte 1000
    const reply = await udpRequest(msg, { port: server.port, bufferSize: 4000 });
    expect(reply.length).to.equal(1000);
    expect(reply.data.equals(Buffer.from(msg, "utf8").subarray(0, 1000))).to.equal(true);
    expect(reply.text).to.equal("a".repeat(999) + "\ufffd");
    // and the client's own 1000-byte buffer truncates too
    const s = keep(await udpSocket({ bufferSize: 10 }));
    const raw = dgram.createSocket("udp4");
    await new Promise<void>((r) => raw.bind(0, "127.0.0.1", () => r()));
    await s.send("ping", { port: raw.address().port });
    raw.once("message", (_m, rinfo) => raw.send("0123456789ABCDEF", rinfo.port, rinfo.address));
    const d = await s.receive({ timeoutMs: 2000 });
    raw.close();
    expect(d).to.include({ text: "0123456789", length: 16, truncated: true });
  });

  it("times out with a clear ETIMEDOUT when nobody answers", async function () {
    const silent = keep(await udpServer({ port: 0, handler: () => undefined }));
    const e = await failure(udpRequest("alô?", { port: silent.port, timeoutMs: 100 }));
    expect(e).to.be.instanceOf(CdlabError);
    expect(e.code).to.equal("ETIMEDOUT");
    expect(e.message).to.equal(
      `Nenhuma resposta de 127.0.0.1:${silent.port} em 100 ms (o UDP não retransmite: o pedido ou a resposta se perdeu, ou nenhum servidor está escutando)`,
    );
  });

  it("refuses datagrams over 65507 bytes before sending, and invalid options synchronously named", async function () {
    const e = await failure(udpRequest(new Uint8Array(65508), { port: 9 }));
    expect(e.code).to.equal("EMSGSIZE");
    expect(e.message).to.equal("Não é possível enviar um datagrama de 65508 bytes: o conteúdo de um datagrama UDP tem no máximo 65507 bytes");
    for (const port of [-1, 70000, "abc"]) {
      const p = await failure(udpServer({ port: port as number }));
      expect(p.code).to.equal("ERR_INVALID_PORT");
    }
    expect((await failure(udpRequest("x", { timeoutMs: -1 }))).message).to.match(/^Opção "timeoutMs" inválida \(-1\)/);
    expect((await failure(udpServer({ bufferSize: 0 }))).message).to.match(/^Opção "bufferSize" inválida/);
  });

  it("an unknown host is one clear error", async function () {
    const e = await failure(udpRequest("x", { host: "no-such-host.invalid", port: 9, timeoutMs: 100 }));
    expect(e.code).to.be.oneOf(["ENOTFOUND", "EAI_AGAIN"]);
    expect(e.message).to.match(/^Não foi possível resolver o host "no-such-host.invalid": /);
  });

  it("a handler error is recorded and the server keeps serving", async function () {
    let n = 0;
    const server = keep(
      await udpServer({
        port: 0,
        handler: async (d) => {
          if (n++ === 0) throw new Error("boom");
          return d.text.toUpperCase();
        },
      }),
    );
    await failure(udpRequest("1", { port: server.port, timeoutMs: 100 }));
    expect((await udpRequest("dois", { port: server.port })).text).to.equal("DOIS");
    expect(server.errors.map((e) => e.message)).to.deep.equal(["boom"]);
  });

  it("a named server replaces the previous one on the same port", async function () {
    const a = keep(await udpServer({ port: 0, name: "test-udp-named", handler: () => "A" }));
    const b = keep(await udpServer({ port: a.port, name: "test-udp-named", handler: () => "B" }));
    expect((await udpRequest("?", { port: b.port })).text).to.equal("B");
    expect(resources().filter((r) => r.name === "test-udp-named")).to.have.length(1);
  });

  it("close() is idempotent, receive() honours an AbortSignal and rejects when the socket closes", async function () {
    const s: UdpSocket = await udpSocket();
    const ac = new AbortController();
    const p = s.receive({ signal: ac.signal });
    ac.abort(new Error("parei"));
    expect((await failure(p)).message).to.equal("parei");
    const q = s.receive();
    await Promise.all([s.close(), s.close(), s[Symbol.asyncDispose]()]);
    expect((await failure(q)).code).to.equal("ERR_SOCKET_CLOSED");
    const server: UdpServer = await udpServer({ port: 0 });
    await server.close();
    await server.close();
  });

  it("a port already in use is one line with EADDRINUSE, and leaves no socket registered", async function () {
    const taken = keep(await udpServer({ port: 0 }));
    await expectAddressInUse(udpServer({ port: taken.port }), `Não foi possível associar o servidor UDP a 127.0.0.1:${taken.port}`);
    expect(resources().filter((r) => r.kind === "udp-socket")).to.have.length(1);
  });

  it("traces socket, gethostbyname, send, recv and close on both sides", async function () {
    const trace = new Trace();
    const server = keep(await udpServer({ port: 0, trace }));
    await udpRequest("oi", { port: server.port, trace });
    expect(callsOf(trace, "cliente#1")).to.deep.equal(["socket", "gethostbyname", "send", "recv", "close"]);
    expect(callsOf(trace, "servidor#1")).to.deep.equal(["socket", "bind", "recv", "send"]);
    expect(trace.toSvg()).to.match(/^<svg[\s\S]*marker-end[\s\S]*<\/svg>$/);
  });
});

