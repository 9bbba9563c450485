/**
 * The cdlab kernel, started by main.ts: in the process Jupyter started (from
 * the startup snapshot through the kernelspec's start.sh, or without it), in
 * the grader's sandbox from the blob, or in main.ts's child when main.ts was
 * run directly (snapshot.ts, src/jupyter/kernel-snapshot.ts). Or as a spare
 * ({@link startSpare}): loaded and waiting for the connection file of the next
 * kernel Jupyter starts in its folder.
 *
 * Glue: shell and iopub on this thread (channels.ts), control, heartbeat and
 * stdin in a worker thread that never runs student code (transport.ts; the
 * answers to input requests reach this thread through stdin.ts),
 * the protocol logic (handler.ts), tslab's executor behind engine.ts,
 * stdout/stderr and display routed to the running cell, interrupt, and
 * shutdown cleanup.
 *
 * Interrupt decision: the processes and resources the interrupted cell opened
 * get their `interrupt` (child processes: SIGINT, like Ctrl-C in a terminal);
 * servers and processes started by earlier cells keep running.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { setDisplaySink, type MimeBundle } from "../src/runtime/display";
import { setInputSink } from "../src/runtime/input";
import { closeAll, interruptCell, setCurrentCell } from "../src/runtime/registry";
import { installChildCleanup } from "./cleanup";
import { createEngine, typescriptVersion } from "./engine";
import { KernelHandler } from "./handler";
import { InterruptFlag } from "./interrupt-flag";
import { InputSlot } from "./stdin";
import { installResolution } from "./resolve";
import { withSemverMajor } from "./semver-major";
import { dropStartEnv } from "../src/jupyter/kernel-snapshot";
import { LAUNCHER_ENV } from "./snapshot";
import { describeUncaught, INTERRUPTED } from "./traceback";
import { routeTslabDisplay } from "./tslab";
import type { FromTransport, ToTransport, TransportData } from "./transport";
import { openMainChannels, readConnection, type ConnectionInfo, type MainChannels } from "./channels";
import type { Envelope } from "../src/jupyter/messages";

/** Start the kernel for the connection file Jupyter gave us. */
export function startKernel(connectionFile: string): void {
  const info = readConnection(path.resolve(connectionFile));
  prepareKernel(info)(info);
}

/**
 * Start a spare kernel (`main.js --spare`): everything a kernel loads before
 * its first cell (TypeScript, the cells' program for this working directory,
 * the transport thread), but no socket, until a claim arrives on stdin: one
 * line of JSON, {@link Claim}. Then it is the kernel of that connection file,
 * with the claim's environment. Stdin at EOF before a claim: exit 0 (the
 * process that started the spare is gone). kernel/python/cdlab_jupyter's
 * provisioner starts spares and claims them.
 */
export function startSpare(): void {
  const connect = prepareKernel(undefined);
  readClaim((claim) => {
    const here = fs.realpathSync(process.cwd());
    let there: string;
    try {
      there = fs.realpathSync(claim.cwd);
    } catch {
      there = claim.cwd;
    }
    if (there !== here) {
      fs.writeSync(2, `cdlab kernel: a spare started in ${here} cannot serve ${claim.cwd}: start a new kernel there\n`);
      process.exit(3);
    }
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, claim.env);
    connect(readConnection(path.resolve(claim.connection_file)));
  });
}

/** What claims a spare kernel: the connection file, the working directory (the spare's own) and the kernel's environment. */
export interface Claim {
  connection_file: string;
  cwd: string;
  env: Record<string, string>;
}

/** Read one line of JSON from stdin (fd 0) and hand it to `onClaim`; exit 0 at EOF before it, 2 if it is not a {@link Claim}. */
function readClaim(onClaim: (claim: Claim) => void): void {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  const next = () =>
    fs.read(0, buf, 0, buf.length, null, (err, n) => {
      if (err && (err as NodeJS.ErrnoException).code === "EAGAIN") return void setTimeout(next, 20);
      if (err || n === 0) process.exit(0); // nobody will claim this spare
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl < 0) return next();
      let claim: Claim;
      try {
        claim = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Claim;
        if (typeof claim.connection_file !== "string" || typeof claim.cwd !== "string" || typeof claim.env !== "object" || claim.env === null) throw new Error();
      } catch {
        fs.writeSync(2, 'cdlab kernel: a spare expects one line {"connection_file", "cwd", "env"} of JSON on stdin\n');
        process.exit(2);
      }
      onClaim(claim);
    });
  next();
}

/**
 * Everything of a kernel but its sockets. @param info the connection, when
 * known now (given to the transport thread at its start) @returns connect:
 * bind the sockets of `info` and serve
 */
function prepareKernel(known: ConnectionInfo | undefined): (info: ConnectionInfo) => void {
  dropStartEnv(); // the start's malloc tuning is for this process, not for the programs its cells run
  const session = randomUUID();
  const flag = new InterruptFlag();
  const stdin = new InputSlot();
  const data: TransportData = { info: known, flag: flag.buffer, stdin: stdin.buffer, session, tsVersion: typescriptVersion() };
  const worker = new Worker(path.join(__dirname, "transport.js"), { workerData: data, stdout: false, stderr: false });
  const toWorker = (m: ToTransport) => worker.postMessage(m);
  let channels: MainChannels | undefined; // opened below, once the handler exists
  const send = (channel: "shell" | "iopub", env: Envelope) => channels?.send(channel, env);

  const cwd = process.cwd();
  let interruptSent: number | undefined; // when the client sent an interrupt that found no cell running
  let interruptNext = false; // the next execute request ends unrun (see onShell)
  const engine = createEngine(cwd, (ts) => installResolution(ts, cwd), (fn) => flag.protect(fn));
  const handler = new KernelHandler({
    engine: {
      get languageVersion() {
        return engine.languageVersion;
      },
      execute(code, n) {
        setCurrentCell(n);
        if (interruptNext) {
          interruptNext = false;
          return Promise.resolve({ status: "error", ...INTERRUPTED });
        }
        return engine.execute(code, n);
      },
      complete: (code, pos) => engine.complete(code, pos),
      inspect: (code, pos) => engine.inspect(code, pos),
      isComplete: (code) => engine.isComplete(code),
    },
    outbox: {
      send: (channel, ids, msg) => {
        if (msg.header.msg_type === "execute_reply") flag.executeReplied();
        if (channel === "control" || channel === "stdin") toWorker({ t: "send", env: { ids, msg }, channel });
        else send(channel, { ids, msg });
      },
    },
    session,
    requestFlush: () => void (channels?.drained() ?? Promise.resolve()).then(() => handler.flushed()),
    onShutdown: () => void shutdown(),
    stdin,
  });

  routeOutput(handler);
  setDisplaySink((bundle, options) => handler.display(bundle, options), (wait) => handler.clearOutput(wait));
  setInputSink(handler);
  installChildCleanup();

  let shuttingDown = false;
  async function shutdown(): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    try {
      await Promise.race([closeAll({ timeoutMs: 500 }), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      /* best effort */
    }
    // What closeAll did not stop (and what a cell started outside the registry) is killed by the one
    // exit path, installChildCleanup's exit hook, when the process exits below.
    handler.flushStreams();
    await channels?.close();
    toWorker({ t: "close" });
    setTimeout(() => process.exit(0), 1000).unref();
  }

  worker.on("message", (m: FromTransport) => {
    switch (m.t) {
      case "msg":
        handler.receive("control", m.env);
        break;
      case "iopub":
        send("iopub", m.env);
        break;
      case "interrupt":
        flag.acknowledge();
        engine.interrupt();
        if (handler.runningCell !== undefined) interruptCell(handler.runningCell);
        else if (m.sent) interruptSent = Date.parse(m.sent);
        break;
      case "ready":
        transportReady = true;
        for (const env of waitingForTransport.splice(0)) handler.receive("shell", env);
        break;
      case "shutdown":
        void shutdown();
        break;
    }
  });
  worker.on("error", (e) => fs.writeSync(2, `cdlab kernel: transport error: ${e.stack ?? e}\n`));
  worker.on("exit", () => process.exit(shuttingDown ? 0 : 1));

  process.on("SIGINT", () => toWorker({ t: "interrupt" }));
  process.on("SIGTERM", () => void shutdown());
  const report = (kind: string) => (err: unknown) => {
    try {
      handler.stream("stderr", describeUncaught(kind, err, engine.cells));
    } catch {
      /* never die here */
    }
  };
  process.on("uncaughtException", report("Exceção não tratada num callback (uncaught exception)"));
  process.on("unhandledRejection", report("Promise rejeitada sem tratamento (unhandled rejection)"));

  // A client is ready once kernel_info is answered on shell, and may then send shutdown or interrupt on control:
  // that answer waits until the worker has bound control (it starts slower than this thread from the snapshot).
  let transportReady = false;
  const waitingForTransport: Envelope[] = [];
  const onShell = (env: Envelope) => {
    if (!transportReady && env.msg.header.msg_type === "kernel_info_request") return void waitingForTransport.push(env);
    if (env.msg.header.msg_type === "execute_request") {
      flag.executeReceived();
      // An interrupt handled while no cell ran is for this request if the client sent it first: it was still
      // queued on the shell socket while the compiler was being built (main thread busy), so it ends unrun.
      if (interruptSent !== undefined && Date.parse(env.msg.header.date) <= interruptSent) interruptNext = true;
      interruptSent = undefined;
    }
    handler.receive("shell", env);
  };
  const connect = (info: ConnectionInfo) => {
    if (!known) toWorker({ t: "connect", info });
    watchParent(() => void shutdown()); // after a claim: the claim's JPY_PARENT_PID
    channels = openMainChannels(info, onShell);
    channels.ready.catch((e: Error) => {
      fs.writeSync(2, `cdlab kernel: cannot open the shell and iopub sockets: ${e.message}\n`);
      process.exit(1);
    });
  };
  // Load TypeScript now, in two synchronous parts (about 0.15 s, then about
  // 0.9 s to build the compiler's program); ZMQ accepts connections and queues
  // requests meanwhile, and requests wait for it. The pause between the parts
  // lets the client's first kernel_info — usually there by then — be answered,
  // so the client goes on while the compiler is built.
  setImmediate(() => {
    engine.loadTypescript();
    setTimeout(warm, 20);
  });
  function warm() {
    withSemverMajor(() => engine.warm()); // tslab's converter, loaded here, asks semver for one thing
    // tslab's own `display` (import { display } from "tslab").
    routeTslabDisplay((d, update) => handler.display(d.data as MimeBundle, { id: d.transient?.display_id, update }));
  }
  return connect;
}

/**
 * Jupyter clients tell their kernels who they are in JPY_PARENT_PID (as
 * ipykernel's parent poller expects): when that process dies (a crashed
 * server, a killed nbclient), shut down instead of living on as an orphan.
 * A kernel started by main.ts in a child process watches main.ts instead
 * ({@link LAUNCHER_ENV}), which watches Jupyter's process.
 */
function watchParent(onGone: () => void): void {
  const parent = Number(process.env[LAUNCHER_ENV] || process.env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1 || process.ppid !== parent) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}

/** Send process.stdout / process.stderr writes (console.log too) to the running cell. */
function routeOutput(handler: KernelHandler): void {
  for (const name of ["stdout", "stderr"] as const) {
    const decoder = new TextDecoder();
    const stream = process[name] as NodeJS.WriteStream & { write: (...a: unknown[]) => boolean };
    stream.write = (chunk: unknown, enc?: unknown, cb?: unknown) => {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
      handler.stream(name, text);
      const done = typeof enc === "function" ? enc : cb;
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    };
  }
}

/** Start the kernel for `node main.js --connection-file FILE` (argv as in process.argv). */
export function main(argv: string[]): void {
  if (argv.includes("--spare")) return startSpare();
  const i = argv.indexOf("--connection-file");
  if (i < 0 || !argv[i + 1]) {
    fs.writeSync(2, "Usage: node main.js --connection-file FILE | --spare\n");
    process.exit(2);
  }
  startKernel(argv[i + 1]);
}
