/**
 * A UDP relay that loses and reorders datagrams on purpose, with a seeded random
 * generator so a notebook's output is the same on every run. Put it between a
 * UDP client and server to see that UDP neither retransmits nor orders.
 *
 * Each datagram from a client is, in order: dropped (probability `dropRate`),
 * or held back and sent after the next one (probability `reorderRate`), or
 * forwarded at once. Replies from the server go back to the client unchanged.
 *
 * @example
 * ```ts
 * import { udpServer, lossyRelay } from "cdlab/net";
 * const server = await udpServer({ port: 0 });
 * const relay = await lossyRelay({ target: { port: server.port }, dropRate: 0.2, reorderRate: 0.2, seed: 42 });
 * // clients send to relay.port instead of server.port
 * ```
 */
import dgram from "node:dgram";
import { invalidArg, validatePort } from "../runtime/errors";
import { asyncDispose, once, type Handle } from "../runtime/handle";
import { replaceNamed, track, untrack } from "../runtime/registry";
import { bindUdp } from "./datagram";

/** Options of {@link lossyRelay}. */
export interface LossyRelayOptions {
  /** Where datagrams go. `host` defaults to "127.0.0.1". */
  target: { host?: string; port: number };
  /** Port the relay listens on. @default 0 (a free port) */
  port?: number;
  /** Probability of dropping a datagram, 0..1. @default 0 */
  dropRate?: number;
  /** Probability of holding a datagram back behind the next one, 0..1. @default 0 */
  reorderRate?: number;
  /** Seed of the random generator (same seed, same losses). @default 1 */
  seed?: number;
  /** A held datagram with no successor is sent after this long. @default 50 */
  holdMs?: number;
  /** Registry name. */
  name?: string;
}

/** What happened to each datagram, in arrival order. */
export interface RelayLogEntry {
  /** Arrival number (0, 1, 2…). */
  n: number;
  text: string;
  fate: "forwarded" | "dropped" | "delayed";
}

/** A running relay. */
export interface LossyRelay extends Handle {
  readonly port: number;
  /** The fate of every client datagram so far. */
  readonly log: RelayLogEntry[];
}

/**
 * Start a lossy, reordering UDP relay in front of `target`.
 *
 * @param options target, port, dropRate, reorderRate, seed, holdMs, name
 * @returns the relay (close it when done)
 * @example
 * ```ts
 * const relay = await lossyRelay({ target: { port: 6789 }, dropRate: 0.3, seed: 7 });
 * ```
 */
export async function lossyRelay(options: LossyRelayOptions): Promise<LossyRelay> {
  if (!options || typeof options.target !== "object" || options.target === null) {
    invalidArg("target", options?.target, "expected { host?, port }");
  }
  const targetPort = validatePort(options.target.port, "target.port");
  const targetHost = options.target.host ?? "127.0.0.1";
  const port = validatePort(options.port ?? 0);
  const dropRate = rate("dropRate", options.dropRate ?? 0);
  const reorderRate = rate("reorderRate", options.reorderRate ?? 0);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) invalidArg("seed", seed, "expected an integer");
  const holdMs = options.holdMs ?? 50;
  if (!(Number.isFinite(holdMs) && holdMs >= 0)) invalidArg("holdMs", holdMs, "expected a number of milliseconds ≥ 0");
  await replaceNamed(options.name);

  const random = mulberry32(seed);
  const log: RelayLogEntry[] = [];
  const front = dgram.createSocket("udp4");
  // One upstream socket per client, so the server's replies find their way back.
  const upstream = new Map<string, dgram.Socket>();
  let held: { bytes: Buffer; up: dgram.Socket; timer: NodeJS.Timeout } | undefined;
  let closed = false;
  front.on("error", () => {});

  const upFor = (address: string, rport: number): dgram.Socket => {
    const key = `${address}:${rport}`;
    let up = upstream.get(key);
    if (!up) {
      up = dgram.createSocket("udp4");
      up.on("error", () => {});
      up.on("message", (msg) => {
        if (!closed) front.send(msg, rport, address);
      });
      upstream.set(key, up);
    }
    return up;
  };
  const forward = (bytes: Buffer, up: dgram.Socket) => {
    if (!closed) up.send(bytes, targetPort, targetHost);
  };
  const release = () => {
    if (!held) return;
    clearTimeout(held.timer);
    const h = held;
    held = undefined;
    forward(h.bytes, h.up);
  };

  front.on("message", (msg, rinfo) => {
    const up = upFor(rinfo.address, rinfo.port);
    const entry: RelayLogEntry = { n: log.length, text: msg.toString("utf8", 0, Math.min(msg.length, 60)), fate: "forwarded" };
    log.push(entry);
    const r = random();
    if (r < dropRate) {
      entry.fate = "dropped";
      return;
    }
    if (!held && r < dropRate + reorderRate) {
      entry.fate = "delayed";
      held = { bytes: msg, up, timer: setTimeout(release, holdMs) };
      return;
    }
    forward(msg, up);
    release();
  });

  const bound = await bindUdp(front, port, "127.0.0.1", "relay");

  const relay: LossyRelay = {
    port: bound,
    log,
    close: once(async () => {
      closed = true;
      untrack(relay);
      if (held) clearTimeout(held.timer);
      held = undefined;
      const all = [front, ...upstream.values()];
      upstream.clear();
      await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }),
    [asyncDispose]() {
      return this.close();
    },
  };
  track(relay, { kind: "relay", name: options.name, label: `udp 127.0.0.1:${bound} → ${targetHost}:${targetPort}` });
  return relay;
}

function rate(name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) invalidArg(name, v, "expected a probability from 0 to 1");
  return v as number;
}

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). @internal */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
