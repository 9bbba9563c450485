import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import { processAttributes, attributeRows, fdKindLines, sleepState } from "../../src/proc/attributes";
import { describeFds } from "../../src/proc/fds";
import { decodeSignalMask } from "../../src/proc/signals";
import { startChild } from "../../src/proc/child";
import { pipe } from "../../src/ipc/pipe";
import { makeFifo } from "../../src/ipc/fifo";
import { CdlabError } from "../../src/runtime/errors";
import { descendantWatch } from "./leaks";

describe("proc/attributes", () => {
  let watch: ReturnType<typeof descendantWatch>;
  beforeEach(() => (watch = descendantWatch()));
  afterEach(() => watch.check());

  it("reads this process's attributes from /proc", () => {
    const a = processAttributes();
    expect(a.pid).to.equal(process.pid);
    expect(a.ppid).to.equal(process.ppid);
    expect(a.realUid).to.equal(process.getuid!());
    expect(a.effectiveUid).to.equal(process.geteuid!());
    expect(a.cwd).to.equal(process.cwd());
    expect(a.env!.PATH).to.equal(process.env.PATH);
    expect(a.nice).to.equal(os.getPriority());
    expect(a.memory!.map((m) => m.kind)).to.include.members(["code", "heap", "stack"]);
    expect(a.signals.ignored).to.include("SIGPIPE"); // Node ignores SIGPIPE: writes give EPIPE instead
    const rows = attributeRows(a);
    expect(rows.map((r) => r.atributo)).to.include.members(["PID", "PPID", "Tabela de file descriptors", "Prioridade / nice"]);
    const memory = rows.find((r) => r.atributo.startsWith("Memória"))!.valor;
    expect(memory).to.match(/^código /m).and.match(/^pilha /m).and.not.match(/\b(code|data|stack)\b/);
  });

  it("groups the fd table by kind: a count per kind and a few fds each, most numerous first", () => {
    const fds = [
      { fd: 0, kind: "pipe" as const, target: "pipe:[1]" },
      { fd: 1, kind: "socket" as const, target: "socket:[2]" },
      { fd: 2, kind: "pipe" as const, target: "pipe:[3]" },
      { fd: 3, kind: "pipe" as const, target: "pipe:[4]" },
      { fd: 4, kind: "pipe" as const, target: "pipe:[5]" },
    ];
    expect(fdKindLines(fds)).to.deep.equal(["pipe: 4 (0 → pipe:[1], 2 → pipe:[3], 3 → pipe:[4], …)", "socket: 1 (1 → socket:[2])"]);
    expect(fdKindLines([{ fd: 5, kind: "file", target: "/tmp/x" }, { fd: 6, kind: "directory", target: "/tmp" }]))
      .to.deep.equal(["arquivo: 1 (5 → /tmp/x)", "diretório: 1 (6 → /tmp)"]);
    const a = processAttributes();
    const grouped = attributeRows(a).find((r) => r.atributo === "Tabela de file descriptors")!.valor.split("\n");
    expect(grouped).to.have.length(new Set(a.fds!.map((f) => f.kind)).size);
    const all = attributeRows(a, { allFds: true }).find((r) => r.atributo === "Tabela de file descriptors")!.valor.split("\n");
    expect(all).to.have.length(a.fds!.length);
  });

  it("names what each fd points to: file, pipe, FIFO, socket", async () => {
    const p = await pipe();
    const fifo = await makeFifo();
    const file = fs.openSync(__filename, "r");
    const reading = fifo.openRead();
    const w = await fifo.openWrite();
    const r = await reading;
    try {
      const fds = describeFds();
      const kind = (fd: number | null) => fds.find((f) => f.fd === fd)?.kind;
      expect(kind(p.readFd)).to.equal("pipe");
      expect(kind(file)).to.equal("file");
      expect(kind(w.fd)).to.equal("fifo");
      expect(kind(r.fd)).to.equal("fifo");
      expect(fds.find((f) => f.fd === w.fd)?.mode).to.equal("w");
    } finally {
      fs.closeSync(file);
      await p.close();
      await fifo.close();
    }
  });

  it("decodes signal masks to names", () => {
    expect(decodeSignalMask("0000000000001000")).to.deep.equal(["SIGPIPE"]);
    expect(decodeSignalMask("0000000000004002")).to.deep.equal(["SIGINT", "SIGTERM"]);
    expect(decodeSignalMask("0000000200000000")).to.deep.equal(["SIGRTMIN"]);
  });

  it("reads another process: a child's PPID and its sleeping state", async () => {
    const c = await startChild("sleep", { args: ["30"], env: { ...process.env, CDLAB_X: "1" } });
    try {
      const a = processAttributes(c.pid);
      expect(a.ppid).to.equal(process.pid);
      expect(a.env!.CDLAB_X).to.equal("1");
      expect(sleepState(c.pid).state).to.match(/[RS]/);
    } finally {
      await c.close();
    }
  });

  it("a PID that does not exist is ESRCH; a bad PID is ERR_INVALID_ARG", () => {
    expect(() => processAttributes(2 ** 22 + 12345)).to.throw(CdlabError, "Nenhum processo com PID 4206649: o processo não existe (já terminou?)").with.property("code", "ESRCH");
    expect(() => processAttributes(-1)).to.throw(CdlabError, /Opção "pid" inválida \(-1\)/);
  });
});
