/**
 * The transport worker: a thread that owns the kernel's control, heartbeat
 * and stdin sockets and never runs student code, so heartbeat, interrupt and
 * shutdown are answered even while the main thread is stuck in
 * `while (true) {}`, and the answer to `prompt()` arrives while the main
 * thread waits for it in `Atomics.wait` (stdin.ts). Shell and iopub live on
 * the main thread (channels.ts): a cell's request and outputs cross no thread.
 *
 * Worker → main: `{ t: "msg", env }` (a control request the main thread
 * answers), `{ t: "iopub", env }` (a status to publish), `{ t: "interrupt", sent }`,
 * `{ t: "shutdown", restart }`, `{ t: "ready" }` (the worker's sockets are bound).
 * Main → worker: `{ t: "connect", info }` (a spare kernel was claimed: bind
 * now), `{ t: "send", env }` (a control reply; with `channel:
 * "stdin"` an input_request), `{ t: "interrupt" }`
 * (from SIGINT), `{ t: "close" }` (close the sockets and end the worker: the
 * process exits after that).
 *
 * Interrupt: the worker posts `interrupt` to the main thread, which
 * acknowledges at once through a shared flag when its event loop is free (a
 * hung await: the main side rejects the cell). No acknowledgement within
 * 150 ms means the main thread is busy running JavaScript: the worker stops it
 * with the inspector's `Runtime.terminateExecution` (the main thread then
 * handles the queued `interrupt`), unless the main thread is loading
 * TypeScript or compiling a cell: then it waits for that to end. Repeated
 * until the interrupted cell has replied.
 */
import fs from "node:fs";
import inspector from "node:inspector";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { killTree } from "../src/proc/tree";
import { kernelInfo } from "./handler";
import { InterruptFlag } from "./interrupt-flag";
import { InputSlot } from "./stdin";
import { LAUNCHER_ENV } from "./snapshot";
import { decodeOrDrop, endpoint, sender, sleep, type ConnectionInfo } from "./channels";
import { makeMessage, type Content, type Envelope } from "../src/jupyter/messages";
import { encode } from "../src/jupyter/wire";

/** What the main thread gives the worker. */
export interface TransportData {
  /**
   * The connection file's content (read once, by the main thread). Absent for
   * a spare kernel (kernel.ts `startSpare`): the worker loads zeromq and waits
   * for `{ t: "connect" }` before it binds.
   */
  info?: ConnectionInfo;
  /** The buffer of the main thread's {@link InterruptFlag}. */
  flag: SharedArrayBuffer;
  /** The buffer of the main thread's {@link InputSlot} (answers to input_request). */
  stdin: SharedArrayBuffer;
  session: string;
  tsVersion: string;
}

/** Messages from the main thread to the transport. */
export type ToTransport =
  | { t: "connect"; info: ConnectionInfo }
  | { t: "send"; env: Envelope; channel?: "control" | "stdin" }
  | { t: "interrupt" }
  | { t: "close" };

/** Messages from the transport to the main thread. */
export type FromTransport =
  | { t: "msg"; env: Envelope }
  | { t: "iopub"; env: Envelope }
  | { t: "interrupt"; sent?: string }
  | { t: "shutdown"; restart: boolean }
  | { t: "ready" };

async function run(data: TransportData): Promise<void> {
  const port = parentPort!;
  const post = (m: FromTransport) => port.postMessage(m);
  const flag = new InterruptFlag(data.flag);
  // Messages from the main thread wait here until the sockets exist (a spare's `connect` comes first).
  const early: ToTransport[] = [];
  let connect: (info: ConnectionInfo) => void = () => undefined;
  const connected = new Promise<ConnectionInfo>((resolve) => (connect = resolve));
  let onMessage = (m: ToTransport) => (m.t === "connect" ? connect(m.info) : void early.push(m));
  port.on("message", (m: ToTransport) => onMessage(m));
  const zmq = await import("zeromq");
  const info = data.info ?? (await connected);
  const control = new zmq.Router();
  const hb = new zmq.Reply();
  const stdin = new zmq.Router();
  await Promise.all([
    control.bind(endpoint(info, info.control_port)),
    hb.bind(endpoint(info, info.hb_port)),
    stdin.bind(endpoint(info, info.stdin_port)),
  ]);
  post({ t: "ready" }); // control, heartbeat and stdin are bound: the main thread may answer kernel_info
  const toControl = sender(control);
  const toStdin = sender(stdin);
  const slot = new InputSlot(data.stdin);
  const reply = (env: Envelope) => toControl(encode(env, info.key));
  const status = (state: "busy" | "idle", parent: Envelope["msg"]["header"]) =>
    post({ t: "iopub", env: { ids: [], msg: makeMessage("status", { execution_state: state }, parent, data.session) } });

  const answer = async (env: Envelope, type: string, content: Content) => {
    const parent = env.msg.header;
    status("busy", parent);
    await reply({ ids: env.ids, msg: makeMessage(type, content, parent, data.session) });
    status("idle", parent);
  };

  let session: inspector.Session | undefined;
  const terminateMain = () => {
    if (!session) {
      session = new inspector.Session();
      session.connectToMainThread();
    }
    session.post("Runtime.terminateExecution", () => undefined);
  };

  let interrupting = false;
  /** @param sent the interrupt_request's header date: the main thread applies it to a request sent before it and not read yet */
  const interrupt = async (sent?: string) => {
    if (interrupting) return;
    interrupting = true;
    const target = flag.oldestUnanswered();
    const finished = () => flag.acknowledged && (target === undefined || flag.answered(target));
    try {
      for (let round = 0; round < 8; round++) {
        flag.posted();
        post({ t: "interrupt", sent });
        await sleep(150);
        // Loading TypeScript or compiling a cell: wait for it to end (bounded), never terminate it.
        for (let waited = 0; flag.protectedNow && !finished() && waited < 60_000; waited += 50) await sleep(50);
        if (flag.claimTermination()) terminateMain();
        for (let i = 0; i < 10; i++) {
          if (finished()) return;
          await sleep(30);
        }
      }
    } finally {
      interrupting = false;
    }
  };

  let shuttingDown = false;
  const shutdown = async (env: Envelope) => {
    const restart = Boolean(env.msg.content.restart);
    await answer(env, "shutdown_reply", { status: "ok", restart });
    if (shuttingDown) return;
    shuttingDown = true;
    if (flag.neverExecuted) {
      // No cell ran: no child, resource or output to clean up, and the main thread may still be
      // building the compiler for a second. A restart right after a start should not wait for it.
      await sleep(20); // let the reply leave the socket
      // Started from the snapshot by main.ts: end main.ts first, the process Jupyter waits for.
      const launcher = Number(process.env[LAUNCHER_ENV]);
      if (launcher > 1 && process.ppid === launcher) process.kill(launcher, "SIGKILL");
      process.kill(process.pid, "SIGKILL");
    }
    post({ t: "shutdown", restart });
    // A busy main thread cannot clean up: stop it; if it still does not exit, do it here.
    void interrupt();
    setTimeout(() => {
      killTree(process.pid, { root: false, graceMs: 200 });
      process.kill(process.pid, "SIGKILL");
    }, 3000).unref();
  };

  void (async () => {
    for await (const frames of control) {
      const env = decodeOrDrop(frames, info.key, "control");
      if (!env) continue;
      const type = env.msg.header.msg_type;
      if (type === "interrupt_request") {
        void answer(env, "interrupt_reply", { status: "ok" });
        void interrupt(env.msg.header.date);
      } else if (type === "shutdown_request") void shutdown(env);
      else if (type === "kernel_info_request") void answer(env, "kernel_info_reply", kernelInfo(data.tsVersion));
      else post({ t: "msg", env });
    }
  })();

  onMessage = (m: ToTransport) => {
    if (m.t === "connect") return;
    if (m.t === "send" && m.channel === "stdin") void toStdin(encode(m.env, info.key));
    else if (m.t === "send") void reply(m.env);
    else if (m.t === "interrupt") void interrupt();
    else if (m.t === "close") {
      // Let queued replies go out (bounded), then close: exiting with open
      // zeromq sockets in a worker aborts the process.
      const t = setTimeout(() => undefined, 10_000);
      void Promise.race([toControl.drained(), sleep(300)]).then(() => {
        for (const s of [control, hb, stdin]) s.close();
        clearTimeout(t);
        port.close();
      });
    }
  };
  // A spare's SIGINT before its claim was for nobody's cell: not replayed on the claimed kernel.
  for (const m of early.splice(0)) if (data.info || m.t !== "interrupt") onMessage(m);

  void (async () => {
    for await (const frames of hb) await hb.send(frames);
  })();

  // input_reply: hand the value to the main thread (which may be blocked in prompt()).
  void (async () => {
    for await (const frames of stdin) {
      const env = decodeOrDrop(frames, info.key, "stdin");
      if (env?.msg.header.msg_type !== "input_reply") continue;
      slot.fill(String(env.msg.parent_header.msg_id ?? ""), String(env.msg.content.value ?? ""));
    }
  })();
}

if (!isMainThread && parentPort && typeof (workerData as Partial<TransportData>)?.session === "string") {
  run(workerData as TransportData).catch((e) => {
    fs.writeSync(2, `cdlab kernel: transport failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
