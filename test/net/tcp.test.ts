import { expect } from "chai";
import net from "node:net";
import { tcpConnect, tcpRequest, tcpServer, type TcpConnection, type TcpServer } from "../../src/net/tcp";
import { writeUTF } from "../../src/net/java-utf";
import { Trace } from "../../src/net/trace";
import { interruptCell, resources, setCurrentCell } from "../../src/runtime/registry";
import { udpSocket } from "../../src/net/udp";
import { callsOf, expectAddressInUse, failure } from "./helpers";
import { pollUntil } from "../support/poll";
import { listeningPorts } from "../support/procs";


const TEXTS = ["olá, mundo ☃ 𝄞", "\u0000", "", "x".repeat(65535)];

describe("net/tcp", function () {
  const open: { close(): Promise<void> }[] = [];
  const ports: number[] = [];
  const keep = <T extends { close(): Promise<void> }>(h: T) => {
    open.push(h);
    if ("mode" in h) ports.push((h as unknown as TcpServer).port);
    return h;
  };
  afterEach(async function () {
    await Promise.all(open.splice(0).map((h) => h.close()));
    expect(resources().filter((r) => r.kind === "tcp-server" || r.kind === "tcp-socket")).to.deep.equal([]);
    const mine = ports.splice(0);
    expect(listeningPorts(process.pid).filter((p) => mine.includes(p)), "ports still listening").to.deep.equal([]);
  });

  for (const mode of ["event-loop", "thread"] as const) {
    it(`${mode}: echoes strings where modified UTF-8 differs, up to 65535 bytes`, async function () {
      const server = keep(await tcpServer({ port: 0, mode }));
      for (const t of TEXTS) expect(await tcpRequest(t, { port: server.port })).to.equal(t);
      await pollUntil(() => server.connections === 0, { what: "connections to close" });
      expect(server.served).to.equal(TEXTS.length);
    });

    it(`${mode}: serves several concurrent clients, several messages each`, async function () {
      const server = keep(await tcpServer({ port: 0, mode }));
      const clients = await Promise.all([1, 2, 3].map(() => tcpConnect({ port: server.port }).then(keep)));
      expect(server.mode).to.equal(mode);
      const replies = await Promise.all(clients.map(async (c, i) => [await c.request(`a${i}`), await c.request(`b${i}`)]));
      expect(replies).to.deep.equal([["a0", "b0"], ["a1", "b1"], ["a2", "b2"]]);
    });
  }

  it("the wire bytes are exactly writeUTF's", async function () {
    const server = keep(await tcpServer({ port: 0 }));
    const sock = net.connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    sock.on("data", (c) => chunks.push(c));
    const frame = writeUTF("𝄞\u0000");
    sock.write(frame.subarray(0, 3)); // split the frame: TCP is a stream
    setTimeout(() => sock.end(frame.subarray(3)), 20);
    await new Promise((r) => sock.on("close", r));
    expect(Buffer.concat(chunks).toString("hex")).to.equal("0008eda0b4edb49ec080");
  });

  it("refuses a message over 65535 encoded bytes before connecting", async function () {
    const e = await failure(tcpRequest("☃".repeat(21846), { port: 9 }));
    expect(e.code).to.equal("ERR_UTF_TOO_LONG");
    expect(e.message).to.equal("Não é possível enviar a mensagem com writeUTF: texto codificado longo demais: 65538 bytes (o limite é 65535)");
  });

  it("connection refused and unknown host are one-line errors with codes", async function () {
    const s = keep(await tcpServer({ port: 0 }));
    const port = s.port;
    await s.close();
    const e = await failure(tcpRequest("x", { port }));
    expect(e.code).to.equal("ECONNREFUSED");
    expect(e.message).to.equal(`Não foi possível conectar a 127.0.0.1:${port}: conexão recusada (o servidor está rodando?)`);
    const h = await failure(tcpRequest("x", { host: "no-such-host.invalid" }));
    expect(h.code).to.be.oneOf(["ENOTFOUND", "EAI_AGAIN"]);
  });

  it("a server that dies mid-conversation gives ERR_EOF, not a hang", async function () {
    const server = keep(await tcpServer({ port: 0 }));
    const c = keep(await tcpConnect({ port: server.port }));
    expect(await c.request("1")).to.equal("1");
    const waiting = c.receive();
    await server.close();
    const e = await failure(waiting);
    expect(e.code).to.be.oneOf(["ERR_EOF", "ECONNRESET"]);
    const again = await failure(c.request("2"));
    expect(again.code).to.be.oneOf(["EPIPE", "ERR_EOF", "ECONNRESET"]);
  });

  it("handler errors are recorded, that connection is dropped, the server keeps serving", async function () {
    const server = keep(
      await tcpServer({
        port: 0,
        handler: (m) => {
          if (m === "boom") throw new Error("handler failed");
          return m.toUpperCase();
        },
      }),
    );
    const e = await failure(tcpRequest("boom", { port: server.port }));
    expect(e.code).to.be.oneOf(["ERR_EOF", "ECONNRESET"]);
    expect(await tcpRequest("ok", { port: server.port })).to.equal("OK");
    expect(server.errors.map((x) => x.message)).to.deep.equal(["handler failed"]);
  });

  it("validates options by name, rejects handler in thread mode", async function () {
    expect((await failure(tcpServer({ port: 70000 }))).code).to.equal("ERR_INVALID_PORT");
    expect((await failure(tcpServer({ mode: "fork" as never }))).message).to.match(/^Opção "mode" inválida \("fork"\)/);
    expect((await failure(tcpServer({ mode: "thread", handler: (m) => m }))).message).to.match(/^Opção "handler" inválida/);
    expect((await failure(tcpServer({ cpuMs: -1 }))).message).to.match(/^Opção "cpuMs" inválida/);
  });

  it("a named server replaces the previous one; receive honours signal and timeoutMs; close is idempotent", async function () {
    const a = keep(await tcpServer({ port: 0, name: "test-tcp-named", handler: () => "A" }));
    const b: TcpServer = keep(await tcpServer({ port: a.port, name: "test-tcp-named", handler: () => "B" }));
    expect(await tcpRequest("?", { port: b.port })).to.equal("B");
    const c: TcpConnection = await tcpConnect({ port: b.port });
    expect((await failure(c.receive({ timeoutMs: 50 }))).code).to.equal("ETIMEDOUT");
    const ac = new AbortController();
    const p = c.receive({ signal: ac.signal });
    ac.abort(new Error("chega"));
    expect((await failure(p)).message).to.equal("chega");
    await Promise.all([c.close(), c.close(), c[Symbol.asyncDispose]()]);
    await b.close();
    await b.close();
  });

  it("a port already in use is one line with EADDRINUSE, and leaves nothing listening or registered", async function () {
    const taken = keep(await tcpServer({ port: 0 }));
    await expectAddressInUse(tcpServer({ port: taken.port }), `Não foi possível escutar em 127.0.0.1:${taken.port}`);
    expect(resources().filter((r) => r.kind === "tcp-server")).to.have.length(1);
  });

  it("traces the lecture's call sequences on client and server", async function () {
    const trace = new Trace();
    const server = keep(await tcpServer({ port: 0, trace }));
    await tcpRequest("oi", { port: server.port, trace });
    await pollUntil(() => trace.events.some((e) => e.socket === "conexão#1" && e.op === "close"), { what: "server close" });
    await server.close();
    expect(callsOf(trace, "cliente#1")).to.deep.equal(["gethostbyname", "socket", "connect", "send", "recv", "close"]);
    expect(callsOf(trace, "servidor#1")).to.deep.equal(["socket", "bind", "listen", "accept", "close"]);
    expect(callsOf(trace, "conexão#1")).to.deep.equal(["recv", "send", "close"]);
    const svg = trace.toSvg();
    expect(svg.match(/marker-end/g)).to.have.length(2); // send→recv arrows both ways
    expect(trace.toString().split("\n")).to.have.length(trace.events.length);
  });
});

describe("net: interrupting the cell that opened a client", function () {
  it("closes its TCP connection and UDP socket: a pending receive rejects with EINTR; earlier servers keep serving", async function () {
    setCurrentCell(900001);
    const server = await tcpServer({ port: 0, handler: () => new Promise<string>(() => {}) }); // never answers
    setCurrentCell(900002);
    try {
      const c = await tcpConnect({ port: server.port });
      const u = await udpSocket();
      await c.send("alô");
      const waits = [failure(c.receive()), failure(u.receive())];
      expect(interruptCell(900002)).to.equal(2);
      for (const w of waits) expect((await w).code).to.equal("EINTR");
      expect(server.port).to.be.greaterThan(0);
      expect(resources().filter((r) => r.cell === 900002)).to.deep.equal([]);
      expect(resources().filter((r) => r.cell === 900001)).to.have.length(1);
    } finally {
      setCurrentCell(undefined);
      await server.close();
    }
  });

  it("closing a connection rejects a pending receive with ERR_SOCKET_CLOSED", async function () {
    const server = await tcpServer({ port: 0, handler: () => new Promise<string>(() => {}) });
    try {
      const c = await tcpConnect({ port: server.port });
      const w = failure(c.receive());
      await c.close();
      expect((await w).code).to.equal("ERR_SOCKET_CLOSED");
    } finally {
      await server.close();
    }
  });
});
