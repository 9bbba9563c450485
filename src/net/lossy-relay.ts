/**
 * A UDP relay that loses and reorders datagrams on purpose, with a seeded random
 * generator so a notebook's output is the same on every run. Put it between a
 * UDP client and server to see that UDP neither retransmits nor orders.
 *
 * Each datagram from a client is, in order: dropped (probability `dropRate`),
 * or held back and sent after the next one (probability `reorderRate`), or
 * forwarded at once. Replies from the server go back to the client unchanged.
 * It is the one relay ({@link openUdpRelay}) with the {@link lossyPolicy} hook.
 *
 * @example
 * ```ts
 * import { udpServer, lossyRelay } from "cdlab/net";
 * const server = await udpServer({ port: 0 });
 * const relay = await lossyRelay({ target: { port: server.port }, dropRate: 0.2, reorderRate: 0.2, seed: 42 });
 * // clients send to relay.port instead of server.port
 * ```
 */
import { invalidArg, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { replaceNamed } from "../runtime/registry";
import { checkTarget, openUdpRelay, type RelayDecision, type RelayInspect } from "./udp-relay";

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

/** Options of {@link lossyPolicy}: the loss and reordering of {@link LossyRelayOptions}. */
export interface LossyPolicyOptions {
  /** Probability of dropping a datagram, 0..1. @default 0 */
  dropRate?: number;
  /** Probability of holding a datagram back behind the next one, 0..1. @default 0 */
  reorderRate?: number;
  /** Seed of the random generator. @default 1 */
  seed?: number;
  /** A held datagram with no successor is sent after this long. @default 50 */
  holdMs?: number;
  /** Which datagrams it decides: client → target only, or replies too. @default "out" */
  directions?: "out" | "both";
}

/** A lossy hook for {@link openUdpRelay}, with the fate of every datagram it decided. */
export interface LossyPolicy {
  inspect: RelayInspect;
  /** The fate of every datagram decided so far, in arrival order. */
  readonly log: RelayLogEntry[];
  /** Forget a held datagram and its timer (call it when the relay closes). */
  stop(): void;
}

/**
 * The seeded loss and reordering as a relay hook. One random number per datagram: below `dropRate`
 * it is dropped; below `dropRate + reorderRate` (and nothing held yet) it is held until the next
 * forwarded datagram has gone, or `holdMs`; otherwise it is forwarded (and a held one goes right after).
 *
 * @param options dropRate, reorderRate, seed, holdMs, directions
 * @returns the hook, its log and `stop()`
 * @throws CdlabError `ERR_INVALID_ARG` naming the bad option
 * @example
 * ```ts
 * import { openUdpRelay } from "./udp-relay";
 * import { lossyPolicy } from "./lossy-relay";
 * const policy = lossyPolicy({ dropRate: 0.3, seed: 7 });
 * const relay = await openUdpRelay({ target: 7000, inspect: policy.inspect });
 * ```
 */
export function lossyPolicy(options: LossyPolicyOptions = {}): LossyPolicy {
  const dropRate = rate("dropRate", options.dropRate ?? 0);
  const reorderRate = rate("reorderRate", options.reorderRate ?? 0);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) invalidArg("seed", seed, "esperado um inteiro");
  const holdMs = options.holdMs ?? 50;
  if (!(Number.isFinite(holdMs) && holdMs >= 0)) invalidArg("holdMs", holdMs, "esperado um número de milissegundos ≥ 0");
  const both = options.directions === "both";
  const random = mulberry32(seed);
  const log: RelayLogEntry[] = [];
  let held: { go: () => void; timer: NodeJS.Timeout } | undefined;
  const releaseHeld = () => {
    if (!held) return;
    clearTimeout(held.timer);
    const { go } = held;
    held = undefined;
    go();
  };
  const inspect: RelayInspect = (msg, _from, direction): RelayDecision | void => {
    if (direction === "in" && !both) return;
    const entry: RelayLogEntry = { n: log.length, text: msg.toString("utf8", 0, Math.min(msg.length, 60)), fate: "forwarded" };
    log.push(entry);
    const r = random();
    if (r < dropRate) {
      entry.fate = "dropped";
      return { drop: "lost" };
    }
    if (!held && r < dropRate + reorderRate) {
      entry.fate = "delayed";
      let go!: () => void;
      const until = new Promise<void>((resolve) => (go = resolve));
      held = { go, timer: setTimeout(releaseHeld, holdMs) };
      return { until };
    }
    // The held datagram's `until` settles now; the relay forwards this one first, then the held one.
    releaseHeld();
  };
  const stop = () => {
    if (held) clearTimeout(held.timer);
    held = undefined;
  };
  return { inspect, log, stop };
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
    invalidArg("target", options?.target, "esperado { host?, port }");
  }
  const target = checkTarget(options.target, "target", false);
  const port = validatePort(options.port ?? 0);
  const policy = lossyPolicy(options);
  await replaceNamed(options.name);
  const relay = await openUdpRelay({ target, port, inspect: policy.inspect, loopbackOnly: false });
  return makeHandle(
    { port: relay.port, log: policy.log },
    {
      kind: "relay",
      name: options.name,
      label: `udp 127.0.0.1:${relay.port} → ${options.target.host ?? "127.0.0.1"}:${target.port}`,
      release: async () => {
        policy.stop();
        await relay.close();
      },
    },
  );
}

function rate(name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) invalidArg(name, v, "esperado uma probabilidade de 0 a 1");
  return v as number;
}

/**
 * A small seeded generator (mulberry32): uniform numbers in [0, 1).
 *
 * @param seed any integer (taken modulo 2³²)
 * @returns the generator
 * @example
 * ```ts
 * const random = mulberry32(7); random(); // the same number on every run
 * ```
 * @internal
 */
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
