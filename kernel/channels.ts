/**
 * ZMQ plumbing shared by both threads of the kernel, and the main thread's
 * own sockets: shell (requests, run in order) and iopub (outputs and
 * statuses). Those live on the main thread, as in plain tslab, so a cell's
 * request and its outputs cross no thread. Control, heartbeat and stdin live
 * in the transport worker (transport.ts): they must work while a cell spins
 * or waits in `prompt()`.
 *
 * iopub sends go out synchronously once the socket is bound (a PUB socket
 * never blocks; `sendTimeout = 0` keeps zeromq.js on its synchronous path), so
 * what a cell printed reaches the client before the cell blocks in `prompt()`
 * or spins in a loop, without waiting for the event loop.
 */
import fs from "node:fs";
import { endpoint, type ConnectionInfo } from "../src/jupyter/launch";
import type { Envelope } from "../src/jupyter/messages";
import { decode, encode } from "../src/jupyter/wire";

export { endpoint, type ConnectionInfo };

/** Read and parse a connection file. */
export function readConnection(file: string): ConnectionInfo {
  return JSON.parse(fs.readFileSync(file, "utf8")) as ConnectionInfo;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A socket's sends, one at a time (zeromq.js allows one pending send).
 *
 * @param after sends wait for this first (e.g. the socket's bind)
 */
export function sender(sock: { send(frames: Buffer[]): Promise<void> }, after: Promise<unknown> = Promise.resolve()) {
  let chain: Promise<void> = after.then(
    () => undefined,
    () => undefined,
  );
  const send = (frames: Buffer[]) => {
    chain = chain.then(() => sock.send(frames)).catch(() => undefined);
    return chain;
  };
  /** Resolves when every send so far went out. */
  send.drained = () => chain;
  return send;
}

/** Decode a received message; a bad one (wrong signature, not JSON) is reported on stderr and dropped. */
export function decodeOrDrop(frames: Buffer[], key: string, channel: string): Envelope | undefined {
  try {
    return decode(frames, key);
  } catch (e) {
    fs.writeSync(2, `cdlab kernel: dropped a message on ${channel}: ${(e as Error).message}\n`);
    return undefined;
  }
}

/** The main thread's sockets. */
export interface MainChannels {
  /** Resolves once the sockets are bound (rejects when they cannot be). */
  readonly ready: Promise<void>;
  /** Sign and send a message on shell or iopub (queued until bound). */
  send(channel: "shell" | "iopub", env: Envelope): void;
  /** Resolves once every shell message ZMQ has received so far has been handed to `onShell`. */
  drained(): Promise<void>;
  /** Let queued sends go out (bounded), then close the sockets. Idempotent. */
  close(): Promise<void>;
}

/**
 * A PUB socket's sends, each made at once (in order) once `after` resolved;
 * before that they wait in a chain like {@link sender}'s.
 */
export function syncSender(sock: { send(frames: Buffer[]): Promise<void> }, after: Promise<unknown>) {
  let bound = false;
  let queuedCount = 0;
  const queued = sender(sock, after);
  void after.then(
    () => (bound = true),
    () => undefined,
  );
  const send = (frames: Buffer[]) => {
    if (!bound || queuedCount > 0) {
      queuedCount++;
      return void queued(frames).then(() => queuedCount--);
    }
    try {
      sock.send(frames).catch(() => undefined);
    } catch {
      /* closed */
    }
  };
  send.drained = () => queued.drained();
  return send;
}

/**
 * Bind shell and iopub, and hand every shell request to `onShell`, in
 * order. The binds are issued before this returns, so the thread can go on
 * with synchronous work (loading TypeScript) while ZMQ accepts connections
 * and queues requests.
 *
 * @param info the connection file's content
 * @param onShell called with each decoded shell request
 */
export function openMainChannels(info: ConnectionInfo, onShell: (env: Envelope) => void): MainChannels {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zmq = require("zeromq") as typeof import("zeromq");
  const shell = new zmq.Router();
  const iopub = new zmq.Publisher();
  iopub.sendTimeout = 0;
  const ready = Promise.all([shell.bind(endpoint(info, info.shell_port)), iopub.bind(endpoint(info, info.iopub_port))]).then(() => undefined);
  const send = { shell: sender(shell, ready), iopub: syncSender(iopub, ready) };
  let waiting = false;
  void ready.then(
    async () => {
      for (;;) {
        let frames: Buffer[];
        waiting = true;
        try {
          frames = await shell.receive();
        } catch {
          return; // closed
        }
        waiting = false;
        const env = decodeOrDrop(frames, info.key, "shell");
        if (env) onShell(env);
      }
    },
    () => undefined, // reported through `ready`
  );
  let closing: Promise<void> | undefined;
  return {
    ready,
    send: (channel, env) => void send[channel](encode(env, info.key)),
    async drained() {
      while (!(waiting && !shell.readable) && !shell.closed) await new Promise((r) => setImmediate(r));
    },
    close() {
      closing ??= (async () => {
        await Promise.race([Promise.all([send.shell.drained(), send.iopub.drained()]), sleep(300)]);
        for (const s of [shell, iopub]) s.close();
      })();
      return closing;
    },
  };
}
