/**
 * The kernel's protocol logic alone: KernelHandler with a stub engine and an
 * outbox that records what would go out. (The real engine, transport and
 * Jupyter server are in protocol.test.ts and jkt.test.ts.)
 */
import { expect } from "chai";
import { KernelHandler, codePointsToUtf16, utf16ToCodePoints, type Engine, type Outcome, type StdinSlot } from "../../kernel/handler";
import { InputSlot } from "../../kernel/stdin";
import { makeMessage, type Message } from "../../src/jupyter/messages";

interface Sent {
  channel: string;
  ids: Uint8Array[];
  type: string;
  parent: string | undefined;
  content: Record<string, unknown>;
}

/** A cell the test finishes by hand. */
interface Running {
  code: string;
  cell: number;
  finish(o: Outcome): void;
}

function setup(stdin?: StdinSlot) {
  const sent: Sent[] = [];
  const running: Running[] = [];
  let flushes = 0;
  const shutdowns: boolean[] = [];
  const engine: Engine = {
    languageVersion: "5.0.4",
    execute: (code, cell) => new Promise<Outcome>((finish) => running.push({ code, cell, finish })),
    complete: (code, pos) => ({ start: pos - 2, end: pos, matches: ["log", "lost"] }),
    inspect: (code) => (code.includes("x") ? "const x: number" : undefined),
    isComplete: (code) => (code.endsWith("{") ? { status: "incomplete", indent: "  " } : { status: "complete" }),
  };
  const handler = new KernelHandler({
    engine,
    outbox: {
      send: (channel, ids, msg: Message) =>
        void sent.push({
          channel,
          ids,
          type: msg.header.msg_type,
          parent: (msg.parent_header as { msg_id?: string }).msg_id,
          content: msg.content as Record<string, unknown>,
        }),
    },
    session: "s",
    requestFlush: () => void flushes++,
    onShutdown: (restart) => void shutdowns.push(restart),
    stdin,
  });
  const request = (type: string, content: Record<string, unknown> = {}, channel: "shell" | "control" = "shell", ids: Uint8Array[] = []) => {
    const msg = makeMessage(type, content, undefined, "client");
    handler.receive(channel, { ids, msg });
    return msg.header.msg_id;
  };
  const tick = () => new Promise((r) => setImmediate(r));
  const of = (id: string) => sent.filter((s) => s.parent === id);
  return { handler, sent, running, request, tick, of, flushes: () => flushes, shutdowns };
}

describe("kernel/handler (stub engine)", function () {
  it("wraps a request in busy/idle and answers kernel_info on shell", async function () {
    const k = setup();
    const id = k.request("kernel_info_request");
    await k.tick();
    expect(k.of(id).map((s) => `${s.channel}:${s.type}`)).to.deep.equal(["iopub:status", "shell:kernel_info_reply", "iopub:status"]);
    expect(k.of(id)[0].content.execution_state).to.equal("busy");
    expect(k.of(id)[2].content.execution_state).to.equal("idle");
    expect((k.of(id)[1].content.language_info as { version: string }).version).to.equal("5.0.4");
  });

  it("execute: execute_input, streams, execute_result, reply, in that order; the count goes up", async function () {
    const k = setup();
    const id = k.request("execute_request", { code: "1 + 1" });
    await k.tick();
    expect(k.running).to.have.length(1);
    expect(k.running[0].cell).to.equal(1);
    k.handler.stream("stdout", "a");
    k.handler.stream("stdout", "b\n");
    k.running[0].finish({ status: "ok", data: { "text/plain": "2" } });
    await k.tick();
    expect(k.of(id).map((s) => s.type)).to.deep.equal(["status", "execute_input", "stream", "execute_result", "execute_reply", "status"]);
    expect(k.of(id)[2].content).to.deep.equal({ name: "stdout", text: "ab\n" }); // consecutive writes: one message
    expect(k.of(id)[4].content).to.include({ status: "ok", execution_count: 1 });
    k.request("execute_request", { code: "2" });
    await k.tick();
    expect(k.running[1].cell).to.equal(2);
  });

  it("silent and store_history: false run without counting; silent publishes no input or result", async function () {
    const k = setup();
    const silent = k.request("execute_request", { code: "x", silent: true });
    await k.tick();
    k.running[0].finish({ status: "ok", data: { "text/plain": "1" } });
    await k.tick();
    expect(k.of(silent).map((s) => s.type)).to.deep.equal(["status", "execute_reply", "status"]);
    expect(k.of(silent)[1].content.execution_count).to.equal(0);
    const noHistory = k.request("execute_request", { code: "y", store_history: false });
    await k.tick();
    k.running[1].finish({ status: "ok" });
    await k.tick();
    expect(k.of(noHistory).find((s) => s.type === "execute_input")!.content.execution_count).to.equal(0);
  });

  it("runs shell requests one at a time, in order, while control requests are answered at once", async function () {
    const k = setup();
    const first = k.request("execute_request", { code: "slow" });
    const second = k.request("execute_request", { code: "next" });
    const info = k.request("kernel_info_request", {}, "control");
    await k.tick();
    expect(k.running.map((r) => r.code)).to.deep.equal(["slow"]);
    expect(k.of(second)).to.deep.equal([]);
    expect(k.of(info).map((s) => s.type)).to.include("kernel_info_reply");
    k.running[0].finish({ status: "ok" });
    await k.tick();
    expect(k.running.map((r) => r.code)).to.deep.equal(["slow", "next"]);
    expect(k.of(first).map((s) => s.type)).to.include("execute_reply");
  });

  it("an error with stop_on_error aborts the requests queued before it, until the transport has flushed", async function () {
    const k = setup();
    const bad = k.request("execute_request", { code: "throw 1" });
    const queued = k.request("execute_request", { code: "queued" });
    await k.tick();
    k.running[0].finish({ status: "error", ename: "Error", evalue: "boom", traceback: ["Error: boom"] });
    await k.tick();
    expect(k.of(bad).map((s) => s.type)).to.deep.equal(["status", "execute_input", "error", "execute_reply", "status"]);
    expect(k.of(bad)[3].content).to.include({ status: "error", ename: "Error", evalue: "boom" });
    expect(k.flushes()).to.equal(1);
    expect(k.of(queued).find((s) => s.type === "execute_reply")!.content.status).to.equal("aborted");
    k.handler.flushed(); // everything received before the error has been handed over
    const later = k.request("execute_request", { code: "later" });
    await k.tick();
    expect(k.running.map((r) => r.code)).to.deep.equal(["throw 1", "later"]);
    expect(k.of(later).map((s) => s.type)).to.not.include("execute_reply"); // still running, not aborted
  });

  it("stop_on_error: false does not abort what follows", async function () {
    const k = setup();
    k.request("execute_request", { code: "throw 1", stop_on_error: false });
    k.request("execute_request", { code: "next" });
    await k.tick();
    k.running[0].finish({ status: "error", ename: "E", evalue: "e", traceback: [] });
    await k.tick();
    expect(k.flushes()).to.equal(0);
    expect(k.running.map((r) => r.code)).to.deep.equal(["throw 1", "next"]);
  });

  it("output written after a cell ended goes to the last cell; a display outside cells too", async function () {
    const k = setup();
    const id = k.request("execute_request", { code: "setTimeout(...)" });
    await k.tick();
    k.running[0].finish({ status: "ok" });
    await k.tick();
    k.handler.stream("stderr", "late\n");
    k.handler.flushStreams();
    k.handler.display({ "text/plain": "d" }, { id: "x" });
    k.handler.display({ "text/plain": "e" }, { id: "x", update: true });
    expect(k.of(id).slice(-3).map((s) => s.type)).to.deep.equal(["stream", "display_data", "update_display_data"]);
    expect(k.of(id).at(-1)!.content.transient).to.deep.equal({ display_id: "x" });
  });

  it("complete and inspect count cursor positions in code points (Jupyter) while the engine gets UTF-16", async function () {
    const k = setup();
    const code = "const 𝄞 = 1; console.lo";
    const id = k.request("complete_request", { code, cursor_pos: [...code].length });
    await k.tick();
    const reply = k.of(id).find((s) => s.type === "complete_reply")!.content;
    expect(reply).to.include({ cursor_end: [...code].length, cursor_start: [...code].length - 2 });
    expect(reply.matches).to.deep.equal(["log", "lost"]);
    const found = k.request("inspect_request", { code: "x", cursor_pos: 1 });
    const missing = k.request("inspect_request", { code: "y", cursor_pos: 1 });
    await k.tick();
    expect(k.of(found).find((s) => s.type === "inspect_reply")!.content).to.deep.include({ found: true, data: { "text/plain": "const x: number" } });
    expect(k.of(missing).find((s) => s.type === "inspect_reply")!.content).to.include({ found: false });
    expect(codePointsToUtf16("a𝄞b", 2)).to.equal(3);
    expect(utf16ToCodePoints("a𝄞b", 3)).to.equal(2);
  });

  it("is_complete, comm_info and history answer; comm messages get no reply; shutdown replies, then calls onShutdown", async function () {
    const k = setup();
    const inc = k.request("is_complete_request", { code: "if (x) {" });
    const comm = k.request("comm_info_request");
    const hist = k.request("history_request");
    const open = k.request("comm_open", { comm_id: "c", target_name: "t" });
    const down = k.request("shutdown_request", { restart: true });
    await k.tick();
    await k.tick();
    expect(k.of(inc).find((s) => s.type === "is_complete_reply")!.content).to.deep.equal({ status: "incomplete", indent: "  " });
    expect(k.of(comm).find((s) => s.type === "comm_info_reply")!.content).to.deep.equal({ status: "ok", comms: {} });
    expect(k.of(hist).find((s) => s.type === "history_reply")!.content).to.deep.equal({ status: "ok", history: [] });
    expect(k.of(open).map((s) => s.type)).to.deep.equal(["status", "status"]);
    expect(k.of(down).find((s) => s.type === "shutdown_reply")!.content).to.deep.equal({ status: "ok", restart: true });
    expect(k.shutdowns).to.deep.equal([true]);
  });

  it("an engine that throws is reported on stderr and the kernel goes idle and keeps serving", async function () {
    const k = setup();
    (k.handler as unknown as { o: { engine: Engine } }).o.engine.isComplete = () => {
      throw new Error("broken");
    };
    const id = k.request("is_complete_request", { code: "x" });
    await k.tick();
    k.handler.flushStreams();
    const types = k.of(id).map((s) => s.type);
    expect(types[0]).to.equal("status");
    expect(types.at(-1)).to.equal("status");
    expect(k.sent.some((s) => s.type === "stream" && String(s.content.text).includes("internal error on is_complete_request: broken"))).to.equal(true);
    const next = k.request("kernel_info_request");
    await k.tick();
    expect(k.of(next).map((s) => s.type)).to.include("kernel_info_reply");
  });

  describe("input (ask / askAsync) and clear_output", function () {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return "no error";
    };

    it("asking with allow_stdin false fails at once (ERR_STDIN_NOT_ALLOWED); outside a cell ERR_NO_CELL; nothing goes to stdin", async function () {
      const slot = new InputSlot();
      const k = setup(slot);
      expect(code(() => k.handler.ask({ prompt: "?", password: false }))).to.equal("ERR_NO_CELL");
      k.request("execute_request", { code: "prompt()", allow_stdin: false });
      await k.tick();
      expect(code(() => k.handler.ask({ prompt: "?", password: false }))).to.equal("ERR_STDIN_NOT_ALLOWED");
      const rejected = await k.handler.askAsync({ prompt: "?", password: false }).catch((e) => e.code);
      expect(rejected).to.equal("ERR_STDIN_NOT_ALLOWED");
      expect(k.sent.filter((s) => s.channel === "stdin")).to.deep.equal([]);
    });

    it("askAsync sends input_request to the cell's client (its ids, its request as parent) and returns the answer; one at a time; the cell's end cancels", async function () {
      const slot = new InputSlot();
      const k = setup(slot);
      const ids = [Buffer.from("cliente")];
      const id = k.request("execute_request", { code: "await input()", allow_stdin: true }, "shell", ids);
      await k.tick();
      const answer = k.handler.askAsync({ prompt: "Senha: ", password: true });
      const req = k.sent.find((s) => s.channel === "stdin")!;
      expect(req.type).to.equal("input_request");
      expect(req.parent).to.equal(id);
      expect(req.ids).to.deep.equal(ids);
      expect(req.content).to.deep.equal({ prompt: "Senha: ", password: true });
      expect(code(() => k.handler.ask({ prompt: "?", password: false }))).to.equal("ERR_INPUT_PENDING");
      expect(slot.fill("outra-mensagem", "errado"), "a reply to another request is dropped").to.equal(false);
      expect(slot.fill("", "segredo"), "a reply naming no parent (jupyter_client) is taken").to.equal(true);
      expect(await answer).to.equal("segredo");

      const late = k.handler.askAsync({ prompt: "de novo?", password: false });
      k.running[0].finish({ status: "ok" });
      expect(await late.catch((e) => e.code)).to.equal("ERR_INPUT_CANCELLED");
      expect(slot.waiting).to.equal(false);
    });

    it("clearOutput publishes clear_output with wait to the running cell", async function () {
      const k = setup();
      const id = k.request("execute_request", { code: "x" });
      await k.tick();
      k.handler.clearOutput(true);
      const m = k.of(id).find((s) => s.type === "clear_output")!;
      expect(m.content).to.deep.equal({ wait: true });
    });
  });
});
