import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeFifo, openFifo } from "../../src/ipc/fifo";
import { fifoBetweenUnrelated } from "../../src/lectures/06-pipes-e-fifos/fifo-demos";
import { CdlabError } from "../../src/runtime/errors";
import { interruptCell } from "../../src/runtime/registry";
import { isAlive } from "../../src/proc/tree";
import { descendantWatch, fdsPointingTo, registryWatch } from "../proc/leaks";

const ours = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`cdlab-fifo-${process.pid}-`));

describe("ipc/fifo", () => {
  let watch: ReturnType<typeof descendantWatch>;
  const paths: string[] = [];
  let registry: ReturnType<typeof registryWatch>;
  beforeEach(() => ((watch = descendantWatch()), (registry = registryWatch(["fifo", "child-process"]))));
  afterEach(async () => {
    await watch.check();
    expect(ours(), "FIFO files left").to.deep.equal([]);
    for (const p of paths.splice(0)) {
      expect(fs.existsSync(p), `${p} left`).to.equal(false);
      expect(fdsPointingTo(p), `fds on ${p}`).to.deep.equal([]);
    }
    expect(registry.check()).to.deep.equal([]);
  });

  it("makeFifo creates a FIFO file; open for reading waits until a writer opens", async () => {
    const fifo = await makeFifo();
    paths.push(fifo.path);
    expect(fs.statSync(fifo.path).isFIFO()).to.equal(true);
    let opened = false;
    const reading = fifo.openRead().then((r) => ((opened = true), r));
    await new Promise((r) => setTimeout(r, 50)); // give a wrong implementation the chance to open
    expect(opened).to.equal(false);
    const w = await fifo.openWrite();
    const r = await reading;
    await w.write("linha 1\n");
    await w.write("linha 2\n");
    await w.close();
    expect((await r.readAll()).toString()).to.equal("linha 1\nlinha 2\n");
    await fifo.close();
    expect(fs.existsSync(fifo.path)).to.equal(false);
    await fifo.close(); // idempotent
  });

  it("readAll sees EOF even when the writer wrote and closed before the reader's open returned, whoever opens first", async function () {
    this.timeout(20000);
    const { spawn } = await import("node:child_process");
    for (let i = 0; i < 6; i++) {
      const fifo = await makeFifo();
      paths.push(fifo.path);
      // Even rounds: our open waits first; odd rounds: the writer is already waiting in its open.
      const startWriter = () => spawn("sh", ["-c", 'printf "rápido %s" "$1" > "$2"', "sh", String(i), fifo.path], { stdio: "ignore" });
      const early = i % 2 ? startWriter() : undefined;
      const reading = fifo.openRead();
      const writer = early ?? startWriter();
      await new Promise((r) => writer.once("exit", r));
      const r = await reading;
      // Linux tells a reader about hang-up only for writers that opened after it: a reopen after the writer left waits forever.
      expect((await r.readAll({ signal: AbortSignal.timeout(3000) })).toString()).to.equal(`rápido ${i}`);
      await fifo.close();
    }
  });

  it("an open still waiting is released by abort, by interrupting the cell and by close()", async () => {
    const fifo = await makeFifo();
    paths.push(fifo.path);
    const ac = new AbortController();
    const waiting = openFifo(fifo.path, "w", { signal: ac.signal });
    ac.abort(new Error("desisti"));
    expect((await waiting.catch((e) => e)).message).to.equal("desisti");
    const interruptedOpen = fifo.openRead();
    interruptCell(undefined);
    expect(await interruptedOpen.catch((err) => err)).to.include({ code: "EINTR" });
    const pending = fifo.openRead();
    await fifo.close();
    const e = await pending.catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ERR_CLOSED" });
  });

  it("two unrelated processes talk through it: the writer is an orphan, not the reader's parent or child", async function () {
    this.timeout(20000);
    const r = await fifoBetweenUnrelated("mensagem de teste");
    paths.push(r.fifo);
    expect(r.received).to.equal("mensagem de teste");
    expect(r.reader.ppid).to.equal(process.pid);
    expect(r.writer.ppid).to.not.equal(process.pid);
    expect(r.writer.ppid).to.not.equal(r.reader.pid);
    expect(r.writer.ppid).to.not.equal(r.writer.startedBy);
    expect(r.readerWhileOpening.openedBeforeWriter).to.equal(false);
    expect(r.readerWhileOpening.state).to.equal("S");
    expect(isAlive(r.writer.pid)).to.equal(false);
  });

  it("bad paths give one clear error each", async () => {
    const missing = await makeFifo("/nonexistent-dir-cdlab/x").catch((e) => e);
    expect(missing).to.be.instanceOf(CdlabError).and.include({ code: "ENOENT" });
    expect(missing.message).to.equal('Não foi possível criar a FIFO "/nonexistent-dir-cdlab/x": o diretório "/nonexistent-dir-cdlab" não existe');
    const file = path.join(os.tmpdir(), `cdlab-fifo-${process.pid}-regular`);
    fs.writeFileSync(file, "x");
    try {
      const exists = await makeFifo(file).catch((e) => e);
      expect(exists).to.be.instanceOf(CdlabError).and.include({ code: "EEXIST" });
      expect(exists.message).to.match(/já existe um arquivo comum neste caminho$/);
      const notFifo = await openFifo(file, "r").catch((e) => e);
      expect(notFifo).to.be.instanceOf(CdlabError).and.include({ code: "EINVAL" });
      expect(notFifo.message).to.equal(`Não foi possível abrir a FIFO "${file}": o caminho não é uma FIFO`);
    } finally {
      fs.unlinkSync(file);
    }
    const none = await openFifo("/nonexistent-dir-cdlab/x", "r").catch((e) => e);
    expect(none).to.include({ code: "ENOENT" });
    expect(() => openFifo("/tmp/x", "rw" as "r")).to.throw(CdlabError, /Opção "mode" inválida/);
  });

  it("writing into a FIFO whose reader has gone is EPIPE", async () => {
    const fifo = await makeFifo();
    paths.push(fifo.path);
    const reading = fifo.openRead();
    const w = await fifo.openWrite();
    await (await reading).close();
    const e = await w.write("x").catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "EPIPE" });
    await fifo.close();
  });
});
