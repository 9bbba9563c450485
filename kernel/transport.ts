/**
 * The transport: a worker thread that owns the ZMQ sockets (shell, control,
 * iopub, stdin, heartbeat) and the HMAC signing, and never runs student code.
 * So heartbeat, interrupt and shutdown are answered even while the main thread
 * is stuck in `while (true) {}`.
 *
 * Worker → main: `{ t: "msg", channel, env }`, `{ t: "flushed" }`,
 * `{ t: "interrupt" }`, `{ t: "shutdown", restart }`.
 * Main → worker: `{ t: "send", channel, env }`, `{ t: "flush" }`,
 * `{ t: "interrupt" }` (from SIGINT), `{ t: "close" }` (close the sockets and
 * end the worker: the process exits after that).
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
import { killDescendantsSync } from "./cleanup";
import { kernelInfo } from "./handler";
import { InterruptFlag } from "./interrupt-flag";
import { decode, encode, makeMessage, type Envelope, type Message } from "./wire";

/** What the main thread gives the worker. */
export interface TransportData {
  connectionFile: string;
  /** The buffer of the main thread's {@link InterruptFlag}. */
  flag: SharedArrayBuffer;
  session: string;
  tsVersion: string;
}

/** Messages from the main thread to the transport. */
export type ToTransport =
  | { t: "send"; channel: "shell" | "control" | "iopub"; env: Envelope }
  | { t: "flush" }
  | { t: "interrupt" }
  | { t: "close" };

/** Messages from the transport to the main thread. */
export type FromTransport =
  | { t: "msg"; channel: "shell" | "control"; env: Envelope }
  | { t: "flushed" }
  | { t: "interrupt" }
  | { t: "shutdown"; restart: boolean };

interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket's sends, one at a time (zeromq.js allows one pending send). */
function sender(sock: { send(frames: Buffer[]): Promise<void> }) {
  let chain = Promise.resolve();
  const send = (frames: Buffer[]) => {
    chain = chain.then(() => sock.send(frames)).catch(() => undefined);
    return chain;
  };
  /** Resolves when every send so far went out. */
  send.drained = () => chain;
  return send;
}

async function run(data: TransportData): Promise<void> {
  const port = parentPort!;
  const post = (m: FromTransport) => port.postMessage(m);
  const flag = new InterruptFlag(data.flag);
  const info = JSON.parse(fs.readFileSync(data.connectionFile, "utf8")) as ConnectionInfo;
  const zmq = await import("zeromq");
  const iopub = new zmq.Publisher();
  const shell = new zmq.Router();
  const control = new zmq.Router();
  const stdin = new zmq.Router();
  const hb = new zmq.Reply();
  const addr = (p: number) => `${info.transport}://${info.ip}:${p}`;
  await Promise.all([
    iopub.bind(addr(info.iopub_port)),
    shell.bind(addr(info.shell_port)),
    control.bind(addr(info.control_port)),
    stdin.bind(addr(info.stdin_port)),
    hb.bind(addr(info.hb_port)),
  ]);
  const send = { shell: sender(shell), control: sender(control), iopub: sender(iopub) };
  const out = (channel: keyof typeof send, env: Envelope) => send[channel](encode(env, info.key));

  /** execute_request ids forwarded to the main thread and not yet answered, oldest first. */
  const unanswered: string[] = [];

  const answer = async (channel: "shell" | "control", env: Envelope, type: string, content: Record<string, unknown>) => {
    const parent = env.msg.header;
    await out("iopub", { ids: [], msg: makeMessage("status", { execution_state: "busy" }, parent, data.session) });
    await out(channel, { ids: env.ids, msg: makeMessage(type, content, parent, data.session) });
    await out("iopub", { ids: [], msg: makeMessage("status", { execution_state: "idle" }, parent, data.session) });
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
  const interrupt = async () => {
    if (interrupting) return;
    interrupting = true;
    const target = unanswered[0];
    const finished = () => flag.acknowledged && (target === undefined || !unanswered.includes(target));
    try {
      for (let round = 0; round < 8; round++) {
        flag.posted();
        post({ t: "interrupt" });
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
  const shutdown = async (channel: "shell" | "control", env: Envelope) => {
    const restart = Boolean((env.msg.content as { restart?: unknown }).restart);
    await answer(channel, env, "shutdown_reply", { status: "ok", restart });
    if (shuttingDown) return;
    shuttingDown = true;
    post({ t: "shutdown", restart });
    // A busy main thread cannot clean up: stop it; if it still does not exit, do it here.
    void interrupt();
    setTimeout(() => {
      killDescendantsSync(200);
      process.kill(process.pid, "SIGKILL");
    }, 3000).unref();
  };

  const receive = async (channel: "shell" | "control", sock: AsyncIterable<Buffer[]>) => {
    for await (const frames of sock) {
      let env: Envelope;
      try {
        env = decode(frames, info.key);
      } catch (e) {
        fs.writeSync(2, `cdlab kernel: dropped a message on ${channel}: ${(e as Error).message}\n`);
        continue;
      }
      const type = env.msg.header.msg_type;
      if (type === "interrupt_request") {
        void answer(channel, env, "interrupt_reply", { status: "ok" });
        void interrupt();
      } else if (type === "shutdown_request") {
        void shutdown(channel, env);
      } else if (type === "kernel_info_request") {
        // Static: answered here, even while TypeScript is still loading.
        void answer(channel, env, "kernel_info_reply", kernelInfo(data.tsVersion));
      } else {
        if (type === "execute_request") unanswered.push(env.msg.header.msg_id);
        post({ t: "msg", channel, env });
      }
    }
  };

  port.on("message", (m: ToTransport) => {
    if (m.t === "send") {
      const msg = m.env.msg as Message;
      if (msg.header.msg_type === "execute_reply") {
        const i = unanswered.indexOf(String(msg.parent_header.msg_id));
        if (i >= 0) unanswered.splice(i, 1);
      }
      void out(m.channel, m.env);
    } else if (m.t === "flush") post({ t: "flushed" });
    else if (m.t === "interrupt") void interrupt();
    else if (m.t === "close") {
      // Let queued sends go out (bounded), then close: exiting with open
      // zeromq sockets in a worker aborts the process.
      const t = setTimeout(() => undefined, 10_000);
      void Promise.race([Promise.all(Object.values(send).map((s) => s.drained())), sleep(300)]).then(() => {
        for (const s of [iopub, shell, control, stdin, hb]) s.close();
        clearTimeout(t);
        port.close();
      });
    }
  });

  void receive("shell", shell);
  void receive("control", control);
  void (async () => {
    for await (const frames of hb) await hb.send(frames);
  })();
}

if (!isMainThread && parentPort && (workerData as { connectionFile?: string })?.connectionFile) {
  run(workerData as TransportData).catch((e) => {
    fs.writeSync(2, `cdlab kernel: transport failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
