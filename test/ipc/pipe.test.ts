import { expect } from "chai";
import fs from "node:fs";
import { pipe, pipeCapacity, type Pipe } from "../../src/ipc/pipe";
import { pipeToChild, twoWayPipes } from "../../src/lectures/06-pipes-e-fifos/pipe-demos";
import { demoReadBlocks, demoEof, demoEpipe, demoFullPipe, demoByteStream } from "../../src/lectures/06-pipes-e-fifos/pipe-semantics";
import { runPipeline, whoSortLpr, WHO_LINES } from "../../src/ipc/pipeline";
import { CdlabError } from "../../src/runtime/errors";
import { interruptCell } from "../../src/runtime/registry";
import { ipcBackend } from "../../src/ipc/native";
import { descendantWatch, fdsPointingTo, registryWatch } from "../proc/leaks";
import { childrenOf } from "../support/procs";

/** The open-file flags of one of this process's fds (/proc/self/fdinfo, octal). */
function fdFlags(fd: number): number {
  return parseInt(/^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1], 8);
}
const O_CLOEXEC = 0o2000000;

/** Call pipe() and list the child processes it started before its first await (a helper is spawned there). */
async function pipeAndHelpers(): Promise<{ p: Pipe; helpers: number[] }> {
  const before = childrenOf(process.pid);
  const creating = pipe();
  const helpers = childrenOf(process.pid).filter((c) => !before.includes(c));
  return { p: await creating, helpers };
}

/** Both ends as a child gets them: blocking (O_NONBLOCK would be shared with it) and close-on-exec here. */
function expectPlainEnds(p: Pipe): void {
  for (const fd of [p.readFd!, p.writeFd!]) {
    expect(fdFlags(fd) & O_CLOEXEC, `fd ${fd} close-on-exec`).to.equal(O_CLOEXEC);
    expect(fdFlags(fd) & fs.constants.O_NONBLOCK, `fd ${fd} blocking`).to.equal(0);
  }
}

describe("ipc/pipe", () => {
  let watch: ReturnType<typeof descendantWatch>;
  const pipes: string[] = [];
  let registry: ReturnType<typeof registryWatch>;
  beforeEach(() => ((watch = descendantWatch()), (registry = registryWatch(["pipe", "child-process"]))));
  afterEach(async () => {
    await watch.check();
    for (const id of pipes.splice(0)) expect(fdsPointingTo(id), `fds still open on ${id}`).to.deep.equal([]);
    expect(registry.check()).to.deep.equal([]);
  });

  it("pipe() gives a real kernel pipe: both ends show the same pipe:[inode]", async () => {
    const p = await pipe();
    pipes.push(p.id);
    expect(p.id).to.match(/^pipe:\[\d+\]$/);
    expect(fs.readlinkSync(`/proc/self/fd/${p.readFd}`)).to.equal(p.id);
    expect(fs.readlinkSync(`/proc/self/fd/${p.writeFd}`)).to.equal(p.id);
    await p.write("oi");
    expect((await p.read())!.toString()).to.equal("oi");
    p.closeWrite();
    expect(await p.read()).to.equal(null); // EOF
    await p.close();
    await p.close(); // idempotent
  });

  it("with the addon loaded, pipe() is its pipe2(): no helper process, this process owns both plain ends", async function () {
    if (ipcBackend() !== "native") this.skip();
    const { p, helpers } = await pipeAndHelpers();
    pipes.push(p.id);
    expect(helpers, "helper processes started").to.deep.equal([]);
    expect(fs.readlinkSync(`/proc/self/fd/${p.writeFd}`)).to.equal(p.id).and.match(/^pipe:\[\d+\]$/);
    expectPlainEnds(p);
    await p.write("addon");
    expect((await p.read())!.toString()).to.equal("addon");
    await p.close();
  });

  it("where the addon cannot load (CDLAB_IPC_BACKEND=in-process) a helper process makes the pipe, with the same ends", async () => {
    const saved = process.env.CDLAB_IPC_BACKEND;
    process.env.CDLAB_IPC_BACKEND = "in-process";
    try {
      const { p, helpers } = await pipeAndHelpers();
      pipes.push(p.id);
      expect(helpers, "helper processes started").to.have.lengthOf(1);
      expect(fs.readlinkSync(`/proc/self/fd/${p.readFd}`)).to.equal(p.id).and.match(/^pipe:\[\d+\]$/);
      expectPlainEnds(p);
      await p.write("helper");
      expect((await p.read())!.toString()).to.equal("helper");
      await p.close();
      const r = await pipeToChild();
      pipes.push(r.pipe);
      expect(r.received).to.equal("hello world\n");
      expect(r.childStdin).to.equal(r.pipe);
    } finally {
      if (saved === undefined) delete process.env.CDLAB_IPC_BACKEND;
      else process.env.CDLAB_IPC_BACKEND = saved;
    }
  });

  it("python3 creates the pipe where there is no perl", async () => {
    process.env.CDLAB_PIPE_HELPER = "python3";
    try {
      const p = await pipe();
      pipes.push(p.id);
      expect(fs.readlinkSync(`/proc/self/fd/${p.writeFd}`)).to.equal(p.id).and.match(/^pipe:/);
      await p.write("py");
      expect((await p.read())!.toString()).to.equal("py");
      await p.close();
    } finally {
      delete process.env.CDLAB_PIPE_HELPER;
    }
  });

  it("the parent writes hello world and the child reads it from fd 0 (the lecture's program)", async () => {
    const r = await pipeToChild();
    pipes.push(r.pipe);
    expect(r.received).to.equal("hello world\n");
    expect(r.childPpid).to.equal(process.pid);
    expect(r.childStdin).to.equal(r.pipe);
  });

  it("two pipes carry a conversation both ways", async () => {
    const r = await twoWayPipes(["ping", "abc"]);
    pipes.push(r.parentToChild, r.childToParent);
    expect(r.parentToChild).to.not.equal(r.childToParent);
    expect(r.exchanges.map((e) => e.received)).to.deep.equal([`${r.childPid}: PING`, `${r.childPid}: ABC`]);
  });

  it("read blocks in the kernel until data arrives", async () => {
    const r = await demoReadBlocks("x\n");
    expect(r.whileWaiting.state).to.equal("S");
    expect(r.whileWaiting.wchan).to.match(/pipe_read|^\?$/);
    expect(r.received).to.equal("x\n");
  });

  it("EOF comes only when every writer has closed", async () => {
    const r = await demoEof();
    expect(r.steps[0].leitor).to.match(/sem EOF/);
    expect(r.steps[1].leitor).to.match(/EOF após 1 leitura\(s\), 6 bytes/);
  });

  it("writing with no reader: EPIPE for the parent, SIGPIPE kills yes", async () => {
    const r = await demoEpipe();
    expect(r.parentError).to.match(/^EPIPE: Não foi possível escrever em pipe:\[\d+\]: pipe quebrado/);
    expect(r.yes.signal).to.equal("SIGPIPE");
  });

  it("write on a pipe closed in this process, or read a closed end, is one clear error", async () => {
    const p = await pipe();
    pipes.push(p.id);
    p.closeRead();
    const e = await p.write("x").catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "EPIPE" });
    const e2 = await p.read().catch((err) => err);
    expect(e2).to.be.instanceOf(CdlabError).and.include({ code: "EBADF" });
    await p.close();
  });

  it("interrupting the cell ends a read that waits with EINTR; the pipe still works", async () => {
    const p = await pipe();
    pipes.push(p.id);
    const waiting = p.read();
    await new Promise((r) => setImmediate(r));
    interruptCell(undefined);
    const e = await waiting.catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "EINTR", message: `Leitura de ${p.id}: interrompido` });
    await p.write("depois");
    expect((await p.read())!.toString()).to.equal("depois");
    await p.close();
  });

  it("a full pipe blocks the writer until the reader drains it; capacity is measured", async () => {
    const cap = await pipeCapacity();
    expect(cap).to.be.a("number").greaterThan(4095);
    const r = await demoFullPipe(cap * 3);
    expect(r.whileBlocked.wchan).to.match(/pipe_write|^\?$/);
    expect(r.received).to.equal(cap * 3);
    expect(r.writerExit).to.equal(0);
  });

  it("a pipe is a byte stream: two writes come out of one read", async () => {
    const r = await demoByteStream(["abc", "def"]);
    expect(r.oneRead).to.equal("abcdef");
    expect(r.bytes).to.equal(6);
  });

  it("runPipeline joins stages with real pipes; who | sort | lpr with stand-ins says so", async () => {
    const r = await runPipeline([["printf", "c\\nb\\na\\n"], ["sort"], ["wc", "-l"]]);
    expect(r.output.trim()).to.equal("3");
    expect(r.stages[0].stdout).to.equal(r.stages[1].stdin).and.match(/^pipe:/);
    expect(r.stages[1].stdout).to.equal(r.stages[2].stdin);
    const w = await whoSortLpr();
    expect(w.notes.join(" ")).to.match(/impressora simulada/);
    const lines = w.output.split("\n").filter((l) => !l.startsWith("====") && l);
    expect(lines).to.deep.equal([...lines].sort());
    if (w.notes.length > 1) expect(lines.length).to.equal(WHO_LINES.length);
  });

  it("bad options name the option", async () => {
    expect(await pipeToChild("").catch((e) => e.message)).to.equal('Opção "message" inválida (""): esperado um texto de 1 a 4096 bytes');
    expect(await demoFullPipe(-1).catch((e) => e.code)).to.equal("ERR_INVALID_ARG");
    expect(await twoWayPipes(["a\nb"]).catch((e) => e.code)).to.equal("ERR_INVALID_ARG");
    expect(await runPipeline([]).catch((e) => e.code)).to.equal("ERR_INVALID_ARG");
  });

  it("a command that is not found is one clear error, and earlier stages are stopped", async () => {
    const e = await runPipeline([["sleep", "30"], ["no-such-command-cdlab"]]).catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ENOENT" });
    expect(e.message).to.equal('Não foi possível executar "no-such-command-cdlab": comando não encontrado');
  });
});
