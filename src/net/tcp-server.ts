/**
 * The lecture's `TCPServer` (port 7896): accept connections, read each message
 * with `readUTF`, answer with `writeUTF`. Two ways to serve many clients:
 *
 * - `mode: "event-loop"` (default): every connection is handled in Node's single
 *   thread, one callback at a time;
 * - `mode: "thread"`: one worker thread per connection, the counterpart of
 *   `class Connection extends Thread` (the main thread accepts and moves bytes;
 *   the thread decodes, computes and encodes).
 *
 * Unlike the Java `Connection`, which answers one message and closes, a
 * connection here answers messages until the client closes it (for the Java
 * client, which sends one message and closes, the two are the same).
 *
 * @example
 * ```ts
 * import { tcpServer, tcpRequest } from "cdlab/net";
 * const server = await tcpServer({ port: 0, name: "eco-tcp" });
 * await tcpRequest("olá", { port: server.port }); // "olá"
 * await server.close();
 * ```
 */
import net from "node:net";
import { Worker } from "node:worker_threads";
import { invalidArg, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { replaceNamed } from "../runtime/registry";
import { entryFile, startWorker as startWorkerThread } from "../proc/program";
import { UtfFrameDecoder, writeUTF } from "./java-utf";
import { untilListening } from "./listening";
import type { Trace } from "./trace";
import { busyWait, calibrate } from "./work";

/** Options of {@link tcpServer}. */
export interface TcpServerOptions {
  /** Port to listen on; 0 picks a free one. @default 7896 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** Registry name: a later server with the same name replaces this one. */
  name?: string;
  /** How connections are served. @default "event-loop" */
  mode?: "event-loop" | "thread";
  /** Computes the reply to each message (event-loop mode only). @default echo */
  handler?: (message: string) => string | Promise<string>;
  /** CPU time spent on each message before replying (simulated work). @default 0 */
  cpuMs?: number;
  /** Record socket events here. */
  trace?: Trace;
}

/** A running TCP server. */
export interface TcpServer extends Handle {
  readonly host: string;
  readonly port: number;
  readonly mode: "event-loop" | "thread";
  /** Connections open right now. */
  readonly connections: number;
  /** Messages answered so far. */
  readonly served: number;
  /** Errors from handlers and connections (the server keeps serving). */
  readonly errors: Error[];
}

/**
 * Start a TCP echo server speaking Java's writeUTF/readUTF framing.
 *
 * @param options port, host, name, mode, handler, cpuMs, trace
 * @returns the running server (close it when done)
 * @throws CdlabError `ERR_INVALID_PORT`, `ERR_INVALID_ARG`, `EADDRINUSE`…
 * @example
 * ```ts
 * const server = await tcpServer({ port: 0, mode: "thread", cpuMs: 20 });
 * ```
 */
export async function tcpServer(options: TcpServerOptions = {}): Promise<TcpServer> {
  const port = validatePort(options.port ?? 7896);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || !host) invalidArg("host", host, "esperado um nome de host ou um endereço IP");
  const mode = options.mode ?? "event-loop";
  if (mode !== "event-loop" && mode !== "thread") invalidArg("mode", mode, 'esperado "event-loop" ou "thread"');
  const cpuMs = options.cpuMs ?? 0;
  if (typeof cpuMs !== "number" || !(cpuMs >= 0) || !Number.isFinite(cpuMs)) invalidArg("cpuMs", cpuMs, "esperado um número de milissegundos ≥ 0");
  if (options.handler !== undefined && typeof options.handler !== "function") invalidArg("handler", options.handler, "esperado uma função");
  if (options.handler && mode === "thread") invalidArg("handler", "function", 'um handler próprio só roda no modo "event-loop" (no modo "thread" as threads fazem eco)');
  const handler = options.handler ?? ((m: string) => m);
  if (cpuMs > 0) calibrate();
  const trace = options.trace;
  const life = trace ? trace.lifeline("servidor") : "servidor";
  await replaceNamed(options.name);

  const errors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const workers = new Set<Worker>();
  let served = 0;
  const fail = (where: string, e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    errors.push(err);
    trace?.record(where, "error", err.message);
  };

  const server = net.createServer();
  trace?.record(life, "socket", "SOCK_STREAM");
  await untilListening(server, () => server.listen(port, host), `Não foi possível escutar em ${host}:${port}`);
  const bound = (server.address() as net.AddressInfo).port;
  trace?.record(life, "bind", `${host}:${bound}`);
  trace?.record(life, "listen");
  server.on("error", (e) => fail(life, e));

  server.on("connection", (socket) => {
    sockets.add(socket);
    const conn = trace ? trace.lifeline("conexão") : "conexão";
    const peer = socket.remotePort ?? 0;
    const ports = { local: bound, peer };
    trace?.record(life, "accept", `${socket.remoteAddress}:${peer} → ${conn}`);
    let closedTraced = false;
    const traceClose = () => {
      if (!closedTraced) trace?.record(conn, "close");
      closedTraced = true;
    };
    socket.on("error", (e) => fail(conn, e));
    socket.on("close", () => {
      sockets.delete(socket);
      traceClose();
    });
    const reply = (text: string, frame: Uint8Array) => {
      if (socket.destroyed) return;
      served++;
      trace?.record(conn, "send", `"${text.slice(0, 20)}"`, ports);
      socket.write(frame);
    };

    if (mode === "thread") {
      const worker = startWorker(cpuMs);
      workers.add(worker);
      worker.on("message", (m: { type: "reply"; text: string; frame: Uint8Array } | { type: "error"; message: string }) => {
        if (m.type === "reply") reply(m.text, m.frame);
        else {
          fail(conn, new Error(m.message));
          socket.destroy();
        }
      });
      worker.on("error", (e) => fail(conn, e));
      worker.on("exit", () => workers.delete(worker));
      socket.on("data", (chunk) => {
        trace?.record(conn, "recv", `${chunk.length} B`, ports);
        worker.postMessage({ type: "data", chunk });
      });
      socket.on("end", () => {
        worker.postMessage({ type: "end" });
        socket.end();
      });
      socket.on("close", () => void worker.terminate());
      return;
    }

    const decoder = new UtfFrameDecoder();
    // Replies go out in order. A synchronous handler with nothing queued answers
    // at once; otherwise the message waits its turn in `chain`.
    let chain = Promise.resolve();
    let queued = 0;
    const answer = (out: unknown) => {
      if (typeof out !== "string") throw new TypeError(`O handler devolveu ${typeof out}: ele deve devolver um texto`);
      reply(out, writeUTF(out));
    };
    const broken = (e: unknown) => {
      fail(conn, e);
      socket.destroy();
    };
    const work = (m: string) => {
      busyWait(cpuMs);
      return handler(m);
    };
    socket.on("data", (chunk) => {
      let messages: string[];
      try {
        messages = decoder.push(chunk);
      } catch (e) {
        broken(e);
        return;
      }
      for (const m of messages) {
        trace?.record(conn, "recv", `"${m.slice(0, 20)}"`, ports);
        if (queued === 0) {
          try {
            const out = work(m);
            if (!isThenable(out)) {
              answer(out);
              continue;
            }
            queued++;
            chain = Promise.resolve(out).then(answer).catch(broken).finally(() => void queued--);
          } catch (e) {
            broken(e);
            return;
          }
        } else {
          queued++;
          chain = chain.then(() => work(m)).then(answer).catch(broken).finally(() => void queued--);
        }
      }
    });
    socket.on("end", () => void chain.then(() => socket.end()));
  });

  return makeHandle(
    {
      host,
      port: bound,
      mode,
      get connections() {
        return sockets.size;
      },
      get served() {
        return served;
      },
      errors,
    },
    {
      kind: "tcp-server",
      name: options.name,
      label: `tcp ${host}:${bound} (${mode})`,
      release: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        await Promise.all([...workers].map((w) => w.terminate()));
        await closed;
        trace?.record(life, "close");
      },
    },
  );
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as { then?: unknown } | null)?.then === "function";
}

function startWorker(cpuMs: number): Worker {
  return startWorkerThread(entryFile(__dirname, "tcp-connection-main"), { workerData: { cpuMs, rate: cpuMs > 0 ? calibrate() : undefined } });
}
