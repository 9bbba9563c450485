/**
 * The kernel's transport worker (kernel/transport.ts) over real ZMQ sockets,
 * with this test as its main thread: heartbeat echo, kernel_info answered by
 * the worker itself, a control request forwarded to the main thread and its
 * reply sent back, statuses handed to the main thread for iopub, and `close`
 * ending the worker. (Interrupt and shutdown act on the whole process: they
 * are tested through a real kernel in protocol.test.ts.)
 */
import { expect } from "chai";
import { once } from "node:events";
import path from "node:path";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../../kernel/channels";
import { InterruptFlag } from "../../kernel/interrupt-flag";
import { InputSlot } from "../../kernel/stdin";
import type { FromTransport, ToTransport, TransportData } from "../../kernel/transport";
import { freePorts } from "../../src/jupyter/launch";
import { makeMessage, type Envelope } from "../../src/jupyter/messages";
import { decode, encode } from "../../src/jupyter/wire";
import { pollUntil } from "../support/poll";

const KEY = "transport-test-key";

/** Start kernel/transport.ts in a worker (TypeScript loaded through tsx, as in this test run). */
function startTransport(data: TransportData): Worker {
  const bootstrap = `require(${JSON.stringify(require.resolve("tsx/cjs"))}); require(${JSON.stringify(path.resolve(__dirname, "../../kernel/transport.ts"))});`;
  return new Worker(bootstrap, { eval: true, workerData: data, stdout: false, stderr: false });
}

describe("kernel/transport (control and heartbeat worker, real ZMQ sockets)", function () {
  this.timeout(30000);
  let worker: Worker;
  let exited: Promise<unknown>;
  let ended = false;
  let control: zmq.Dealer;
  let hb: zmq.Request;
  const fromWorker: FromTransport[] = [];
  const session = "kernel-session";

  before(async function () {
    const [controlPort, hbPort] = await freePorts(2);
    const info: ConnectionInfo = {
      transport: "tcp", ip: "127.0.0.1", key: KEY,
      shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: controlPort, hb_port: hbPort,
    };
    worker = startTransport({ info, flag: new InterruptFlag().buffer, stdin: new InputSlot().buffer, session, tsVersion: "5.0.4" });
    exited = once(worker, "exit");
    worker.once("exit", () => (ended = true));
    worker.on("message", (m: FromTransport) => fromWorker.push(m));
    control = new zmq.Dealer({ linger: 0 });
    hb = new zmq.Request({ linger: 0, receiveTimeout: 10000 });
    control.connect(`tcp://127.0.0.1:${controlPort}`);
    hb.connect(`tcp://127.0.0.1:${hbPort}`);
  });

  after(async function () {
    control?.close();
    hb?.close();
    if (worker && !ended) await worker.terminate();
  });

  /** Send a control request; resolve with the first reply to it (and the replies to other requests received before it). */
  async function ask(type: string, content: Record<string, unknown> = {}) {
    const request: Envelope = { ids: [], msg: makeMessage(type, content, undefined, "client-session", "aluno") };
    await control.send(encode(request, KEY));
    const others: Envelope[] = [];
    for (;;) {
      const reply = decode(await control.receive(), KEY);
      if (reply.msg.parent_header.msg_id === request.msg.header.msg_id) return { request, reply, others };
      others.push(reply);
    }
  }

  it("heartbeat: echoes what it receives", async function () {
    await hb.send("ping 1");
    expect((await hb.receive()).map(String)).to.deep.equal(["ping 1"]);
    await hb.send([Buffer.from("a"), Buffer.from("b")]);
    expect((await hb.receive()).map(String)).to.deep.equal(["a", "b"]);
  });

  it("kernel_info_request on control is answered by the worker, signed, between busy and idle statuses for iopub", async function () {
    const { request, reply } = await ask("kernel_info_request");
    expect(reply.msg.header.msg_type).to.equal("kernel_info_reply");
    expect(reply.msg.header.session).to.equal(session);
    expect(reply.msg.content.status).to.equal("ok");
    expect((reply.msg.content.language_info as { version: string }).version).to.equal("5.0.4");
    await pollUntil(() => statusesFor(request.msg.header.msg_id).length === 2);
    expect(statusesFor(request.msg.header.msg_id)).to.deep.equal(["busy", "idle"]);
    expect(fromWorker.some((m) => m.t === "msg")).to.equal(false);
  });

  it("another control request goes to the main thread, and the main thread's reply goes back to the client", async function () {
    const onMessage = (m: FromTransport) => {
      if (m.t !== "msg" || m.env.msg.header.msg_type !== "comm_info_request") return;
      const reply = makeMessage("comm_info_reply", { status: "ok", comms: {} }, m.env.msg.header, session);
      worker.postMessage({ t: "send", env: { ids: m.env.ids, msg: reply } } satisfies ToTransport);
    };
    worker.on("message", onMessage);
    try {
      const { request, reply } = await ask("comm_info_request", { target_name: "x" });
      expect(reply.msg.header.msg_type).to.equal("comm_info_reply");
      expect(reply.msg.content).to.deep.equal({ status: "ok", comms: {} });
      const forwarded = fromWorker.find((m) => m.t === "msg" && m.env.msg.header.msg_id === request.msg.header.msg_id);
      expect(forwarded, "the request reached the main thread").to.exist;
      expect((forwarded as { env: Envelope }).env.msg.content).to.deep.equal({ target_name: "x" });
    } finally {
      worker.off("message", onMessage);
    }
  });

  it("a request with a bad signature is dropped (reported on stderr, no answer), and the next good one is answered", async function () {
    const bad = makeMessage("kernel_info_request", {}, undefined, "client-session");
    await control.send(encode({ ids: [], msg: bad }, "not the key"));
    const { reply, others } = await ask("kernel_info_request");
    expect(reply.msg.header.msg_type).to.equal("kernel_info_reply");
    expect(others.map((o) => o.msg.parent_header.msg_id)).not.to.include(bad.header.msg_id);
    expect(fromWorker.some((m) => m.t !== "iopub" && "env" in m && m.env.msg.header.msg_id === bad.header.msg_id)).to.equal(false);
  });

  it("close: the worker closes its sockets and ends", async function () {
    worker.postMessage({ t: "close" } satisfies ToTransport);
    const [code] = (await exited) as [number];
    expect(code).to.equal(0);
  });

  function statusesFor(msgId: string): unknown[] {
    return fromWorker
      .filter((m): m is Extract<FromTransport, { t: "iopub" }> => m.t === "iopub" && m.env.msg.parent_header.msg_id === msgId)
      .map((m) => m.env.msg.content.execution_state);
  }
});
