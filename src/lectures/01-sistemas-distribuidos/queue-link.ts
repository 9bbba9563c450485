/**
 * A link that queues: a hook for cdlab's UDP relay that lets datagrams through at a fixed rate, one
 * at a time, like a network link of limited capacity. A datagram that finds the link busy waits in
 * a queue behind the ones before it (the queueing delay grows with the load); when the queue is
 * full, it is dropped (the link is saturated). Replies travel back without delay.
 *
 * @example
 * ```ts
 * import { openUdpRelay } from "cdlab/net";
 * import { queueingLink } from "cdlab/lectures/01-sistemas-distribuidos";
 * const link = queueingLink({ packetsPerSecond: 200, queueLimit: 20 });
 * const relay = await openUdpRelay({ target: 7000, inspect: link.inspect });
 * // ... send through relay.port, then:
 * link.stats(); // { forwarded, dropped, maxQueue }
 * await relay.close();
 * ```
 */
import { invalidArg } from "../../runtime/errors";
import type { RelayInspect } from "../../net/udp-relay";

/** Options of {@link queueingLink}. */
export interface QueueingLinkOptions {
  /** Capacity of the link: datagrams it transmits per second. @default 200 */
  packetsPerSecond?: number;
  /** Datagrams that may wait in the queue; one more is dropped. @default 20 */
  queueLimit?: number;
}

/** Counters of a {@link QueueingLink}. */
export interface QueueingLinkStats {
  forwarded: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Longest queue seen (datagrams waiting, not counting the one being transmitted). */
  maxQueue: number;
}

/** The hook and its counters. */
export interface QueueingLink {
  /** Give it to `openUdpRelay({ inspect })`. */
  inspect: RelayInspect;
  /** Time one datagram occupies the link, ms (1000 / packetsPerSecond). */
  readonly serviceMs: number;
  stats(): QueueingLinkStats;
}

/**
 * Build the hook: each datagram from a client leaves when the link is free plus one service time;
 * the relay holds it that long (`delayMs`). With `queueLimit` datagrams already waiting, it is dropped.
 *
 * @param options packetsPerSecond, queueLimit
 * @returns the hook, its service time and its counters
 * @throws CdlabError `ERR_INVALID_ARG` naming the bad option
 * @example
 * ```ts
 * const link = queueingLink({ packetsPerSecond: 100 }); // each datagram occupies the link for 10 ms
 * link.serviceMs; // 10
 * ```
 */
export function queueingLink(options: QueueingLinkOptions = {}): QueueingLink {
  const rate = options.packetsPerSecond ?? 200;
  if (typeof rate !== "number" || !(rate >= 1 && rate <= 100_000)) invalidArg("packetsPerSecond", rate, "deve ser um número de 1 a 100000");
  const limit = options.queueLimit ?? 20;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100_000) invalidArg("queueLimit", limit, "deve ser um inteiro de 0 a 100000");
  const serviceMs = 1000 / rate;
  let busyUntil = 0;
  const stats: QueueingLinkStats = { forwarded: 0, dropped: 0, maxQueue: 0 };
  const inspect: RelayInspect = (_data, _from, direction) => {
    if (direction === "in") return;
    const now = performance.now();
    const backlog = Math.max(0, busyUntil - now); // ms of work ahead of this datagram
    const waiting = Math.ceil(backlog / serviceMs) - 1; // datagrams queued behind the one on the link
    if (waiting >= limit) {
      stats.dropped++;
      return { drop: "fila cheia" };
    }
    stats.maxQueue = Math.max(stats.maxQueue, waiting + 1);
    busyUntil = now + backlog + serviceMs;
    stats.forwarded++;
    return { delayMs: backlog + serviceMs };
  };
  return { inspect, serviceMs, stats: () => ({ ...stats }) };
}
