import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import * as pty from "node-pty";
import { isAlive } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "cdlab.js");

function cdlab(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: ROOT, timeout: 20000 });
}

/** One line on stderr, no stack trace, non-zero exit. */
function expectOneLineError(r: ReturnType<typeof cdlab>, pattern: RegExp) {
  expect(r.status, r.stderr).to.not.equal(0);
  expect(r.stdout).to.equal("");
  expect(r.stderr.trimEnd().split("\n"), r.stderr).to.have.length(1);
  expect(r.stderr).to.match(pattern);
  expect(r.stderr).not.to.match(/\n\s+at /);
}

describe("net CLI: udp-server, udp-client, tcp-server, tcp-client", function () {
  const children: ChildProcess[] = [];
  afterEach(async function () {
    const mine = children.splice(0);
    for (const c of mine) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await new Promise((r) => c.once("exit", r));
      }
    }
    for (const c of mine) expect(isAlive(c.pid!), `cdlab process ${c.pid} left behind`).to.equal(false);
  });

  /** Start a server command, wait for its first line `listening host:port`. */
  async function server(...args: string[]): Promise<{ child: ChildProcess; host: string; port: string }> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const line = await pollUntil(() => (out.includes("\n") ? out.split("\n")[0] : child.exitCode !== null ? "EXIT " + err : ""), {
      timeoutMs: 15000,
      what: `${args[0]} to print its first line`,
    });
    const m = /^listening (\S+):(\d+)$/.exec(line);
    expect(m, line).to.not.equal(null);
    return { child, host: m![1], port: m![2] };
  }

  async function stop(child: ChildProcess, sig: NodeJS.Signals): Promise<number | null> {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill(sig);
    return exited;
  }

  it("udp-server on port 0 answers udp-client with `Reply: <message>`, exits 0 on SIGTERM", async function () {
    const s = await server("udp-server", "0");
    expect(s.host).to.equal("127.0.0.1");
    const r = cdlab("udp-client", "olá, mundo ☃ 𝄞", "127.0.0.1", s.port);
    expect(r.stderr).to.equal("");
    expect(r.stdout).to.equal("Reply: olá, mundo ☃ 𝄞\n");
    expect(r.status).to.equal(0);
    expect(await stop(s.child, "SIGTERM")).to.equal(0);
  });

  for (const mode of ["event-loop", "thread"]) {
    it(`tcp-server --mode ${mode} answers tcp-client with \`Received: <message>\`, exits 0 on SIGINT`, async function () {
      const s = await server("tcp-server", "0", "--mode", mode);
      const r = cdlab("tcp-client", "olá, mundo ☃ 𝄞", "localhost", s.port);
      expect(r.stdout).to.equal("Received: olá, mundo ☃ 𝄞\n");
      expect(r.status).to.equal(0);
      expect(await stop(s.child, "SIGINT")).to.equal(0);
    });
  }

  for (const cmd of ["udp-server", "tcp-server"]) {
    it(`${cmd} in a terminal stops cleanly on Ctrl-C`, async function () {
      const term = pty.spawn(process.execPath, [BIN, cmd, "0"], { cols: 100, rows: 24, cwd: ROOT, env: process.env as Record<string, string> });
      let out = "";
      term.onData((d) => (out += d));
      const exited = new Promise<{ exitCode: number; signal?: number }>((r) => term.onExit(r));
      try {
        await pollUntil(() => /listening 127\.0\.0\.1:\d+\r?\n/.test(out), { timeoutMs: 15000, what: "listening line" });
        term.write("\x03");
        const { exitCode, signal } = await exited;
        expect({ exitCode, signal: signal || 0 }).to.deep.equal({ exitCode: 0, signal: 0 });
        expect(isAlive(term.pid)).to.equal(false);
      } finally {
        if (isAlive(term.pid)) term.kill("SIGKILL");
      }
    });
  }

  for (const port of ["-1", "70000", "abc"]) {
    it(`every command rejects port ${port} in one line`, function () {
      for (const args of [["udp-server", port], ["tcp-server", port], ["udp-client", "m", "127.0.0.1", port], ["tcp-client", "m", "127.0.0.1", port]]) {
        expectOneLineError(cdlab(...args), new RegExp(`^cdlab ${args[0]}: Opção "port" inválida \\("${port}"\\): esperado um inteiro de 0 a 65535\\n$`));
      }
    });
  }

  it("tcp-client: connection refused is one line, exit 1", async function () {
    const s = await server("tcp-server", "0");
    await stop(s.child, "SIGTERM");
    const r = cdlab("tcp-client", "m", "127.0.0.1", s.port);
    expectOneLineError(r, new RegExp(`^cdlab tcp-client: Não foi possível conectar a 127\\.0\\.0\\.1:${s.port}: conexão recusada`));
    expect(r.status).to.equal(1);
  });

  it("clients: an unknown host is one line, exit 1", function () {
    for (const cmd of ["udp-client", "tcp-client"]) {
      const r = cdlab(cmd, "m", "no-such-host.invalid", "9");
      expectOneLineError(r, new RegExp(`^cdlab ${cmd}: Não foi possível resolver o host "no-such-host.invalid": `));
    }
  });

  it("udp-client: no reply within --timeout is one line, exit 1", async function () {
    const s = await server("tcp-server", "0"); // a port where no UDP server listens
    const r = cdlab("udp-client", "alô", "127.0.0.1", s.port, "--timeout", "200");
    expectOneLineError(r, /^cdlab udp-client: Nenhuma resposta de 127\.0\.0\.1:\d+ em 200 ms \(o UDP não retransmite/);
    expectOneLineError(cdlab("udp-client", "m", "127.0.0.1", "--timeout", "soon"), /Invalid option "--timeout" "soon"/ /* the CLI's own message: the CLI may stay English */);
  });

  it("udp-client: a datagram over 65507 bytes is one line, exit 1", function () {
    const r = cdlab("udp-client", "x".repeat(65508), "127.0.0.1", "9");
    expectOneLineError(r, /^cdlab udp-client: Não é possível enviar um datagrama de 65508 bytes: o conteúdo de um datagrama UDP tem no máximo 65507 bytes\n$/);
  });

  it("usage errors exit 2; --help documents the defaults 6789 and 7896", function () {
    expect(cdlab("udp-client", "only-message").status).to.equal(2);
    expect(cdlab("tcp-server", "1", "2").status).to.equal(2);
    expect(cdlab("udp-server", "--help").stdout).to.include("default 6789");
    expect(cdlab("tcp-client", "--help").stdout).to.include("default 7896");
  });
});
