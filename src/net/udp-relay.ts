/**
 * The one UDP relay of cdlab: the lossy relay, the NAT, the firewall and the IPC experiments are hooks on it.
 * It listens on 127.0.0.1 ("inside"); for each client address it opens its own "outside" socket (a new
 * port) towards the target, so replies find their way back. An `inspect` hook decides each datagram:
 * forward it (return nothing), drop it, delay it, hold it until some event, or rewrite its bytes.
 *
 * @example
 * ```ts
 * import { openUdpRelay } from "./udp-relay";
 * const relay = await openUdpRelay({ target: 7000, inspect: (d) => (d.length > 100 ? { drop: "too big" } : undefined) });
 * await relay.close();
 * ```
 */
import dgram from "node:dgram";
import { invalidArg, validatePort } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { bindUdp } from "./datagram";

/** Where a relay forwards to: a port on loopback. */
export interface RelayTarget {
  /** Loopback only (see {@link RelayOptions.loopbackOnly}). @default "127.0.0.1" */
  host?: string;
  port: number;
}

/** What `inspect` decides for one datagram; nothing (or `{}`) forwards it at once, unchanged. */
export interface RelayDecision {
  /** Drop it; the text is the reason. */
  drop?: string;
  /** Forward it after this many ms (reordering). */
  delayMs?: number;
  /** Hold it until this resolves, then forward it (then wait `delayMs`, if both are given); a rejection drops it. */
  until?: PromiseLike<unknown>;
  /** Forward these bytes instead of the datagram's own (rewrite). */
  data?: Uint8Array;
}

/** Who sent a datagram to the relay. */
export interface RelayPeer {
  address: string;
  port: number;
}

/**
 * Decide one datagram: `out` = client → target, `in` = target → client.
 * Called in arrival order, once per datagram, before the relay counts or forwards it.
 */
export type RelayInspect = (data: Buffer, from: RelayPeer, direction: "out" | "in") => RelayDecision | void;

/** One client's mapping. */
export interface RelayFlow {
  client: RelayPeer;
  outsidePort: number;
  target: RelayPeer;
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  created: number;
  lastSeen: number;
}

/** Options of {@link openUdpRelay}. */
export interface RelayOptions {
  /** Where datagrams go: a port on 127.0.0.1 or `{ host, port }` on loopback. */
  target: RelayTarget | number;
  /** Inside port (clients send here). @default 0 (any free port) */
  port?: number;
  /** The hook that decides each datagram. @default forward everything */
  inspect?: RelayInspect;
  /** Refuse a target off this machine (its outside sockets then bind 127.0.0.1). @default true */
  loopbackOnly?: boolean;
}

/**
 * A running relay. Not in the resource registry: the NAT, the firewall, the lossy relay and the
 * experiments register their own handles and close the relay with them.
 */
export interface UdpRelay extends Handle {
  /** Inside port (clients send here). */
  readonly port: number;
  /** Where it forwards to. */
  readonly target: RelayPeer;
  /** A copy of every client's mapping. */
  flows(): RelayFlow[];
}

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Validate a relay target: a port number or `{ host, port }`, on loopback unless `loopbackOnly` is false.
 *
 * @param target what the caller gave
 * @param option the option's name for messages @default "target"
 * @param loopbackOnly refuse hosts off this machine @default true
 * @returns address and port
 * @throws CdlabError `ERR_INVALID_ARG` (not loopback, missing) or `ERR_INVALID_PORT`
 * @example
 * ```ts
 * checkTarget({ host: "localhost", port: 7000 }); // { address: "127.0.0.1", port: 7000 }
 * ```
 */
export function checkTarget(target: RelayTarget | number | undefined, option = "target", loopbackOnly = true): RelayPeer {
  const t = typeof target === "number" ? { port: target } : target;
  if (!t || typeof t !== "object") invalidArg(option, target, "esperado uma porta ou { host: \"127.0.0.1\", port }");
  const host = t.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0) invalidArg(`${option}.host`, host, "esperado um nome de host ou um endereço IP");
  const address = host === "localhost" ? "127.0.0.1" : host;
  if (loopbackOnly && !LOOPBACK.test(address)) invalidArg(`${option}.host`, host, "esperado um endereço de loopback (127.x.x.x): os relays ficam nesta máquina");
  const port = validatePort(t.port, `${option}.port`);
  if (port === 0) invalidArg(`${option}.port`, 0, "esperado a porta de um servidor rodando (1 a 65535)");
  return { address, port };
}

/**
 * Open the relay: bind 127.0.0.1 (`port`), and per client address an outside socket towards the target.
 *
 * @param options target, port, inspect hook, loopbackOnly
 * @returns the relay (close it, or the handle that owns it, when done)
 * @throws CdlabError for a bad target or port, `EADDRINUSE` for a taken port
 * @example
 * ```ts
 * const relay = await openUdpRelay({ target: 7000, inspect: (_d, _from, dir) => (dir === "out" ? { delayMs: 20 } : undefined) });
 * ```
 */
export async function openUdpRelay(options: RelayOptions): Promise<UdpRelay> {
  const loopbackOnly = options?.loopbackOnly ?? true;
  const target = checkTarget(options?.target, "target", loopbackOnly);
  const listenPort = validatePort(options.port ?? 0);
  const inspect: RelayInspect = options.inspect ?? (() => undefined);
  const outsideHost = LOOPBACK.test(target.address) ? "127.0.0.1" : "0.0.0.0";
  const inside = dgram.createSocket("udp4");
  const port = await bindUdp(inside, listenPort, "127.0.0.1", "o relay");
  inside.on("error", () => {});
  const flows = new Map<string, { info: RelayFlow; outside: dgram.Socket; ready: Promise<boolean> }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  /** Apply a decision: run `send` with the (possibly rewritten) bytes now, or when held/delayed. */
  const apply = (d: RelayDecision, msg: Buffer, send: (bytes: Buffer) => void) => {
    const bytes = d.data === undefined ? msg : Buffer.from(d.data);
    const afterDelay = () => {
      if (!d.delayMs) return send(bytes);
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) send(bytes);
      }, d.delayMs);
      timers.add(t);
    };
    if (d.until === undefined) afterDelay();
    else d.until.then(() => !closed && afterDelay(), () => undefined);
  };

  const flowFor = (client: RelayPeer) => {
    const key = `${client.address}:${client.port}`;
    let f = flows.get(key);
    if (f) return f;
    const outside = dgram.createSocket("udp4");
    const info: RelayFlow = { client, outsidePort: 0, target, packetsOut: 0, packetsIn: 0, bytesOut: 0, bytesIn: 0, created: Date.now(), lastSeen: Date.now() };
    outside.on("error", () => {});
    const ready = bindUdp(outside, 0, outsideHost, "o relay").then((p) => ((info.outsidePort = p), true), () => false);
    outside.on("message", (msg, rinfo) => {
      const d = inspect(msg, { address: rinfo.address, port: rinfo.port }, "in") ?? {};
      if (d.drop !== undefined) return;
      info.packetsIn++;
      info.bytesIn += msg.length;
      info.lastSeen = Date.now();
      apply(d, msg, (bytes) => inside.send(bytes, client.port, client.address));
    });
    f = { info, outside, ready };
    flows.set(key, f);
    return f;
  };

  inside.on("message", (msg, rinfo) => {
    const from = { address: rinfo.address, port: rinfo.port };
    const d = inspect(msg, from, "out") ?? {};
    if (d.drop !== undefined) return;
    const f = flowFor(from);
    f.info.packetsOut++;
    f.info.bytesOut += msg.length;
    f.info.lastSeen = Date.now();
    apply(d, msg, (bytes) => void f.ready.then((ok) => ok && !closed && f.outside.send(bytes, target.port, target.address)));
  });

  const release = async () => {
    closed = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const sockets = [inside, ...[...flows.values()].map((f) => f.outside)];
    await Promise.all(sockets.map((s) => new Promise<void>((r) => {
      try {
        s.close(() => r());
      } catch {
        r(); // an outside socket whose bind failed is closed already
      }
    })));
  };
  return makeHandle(
    { port, target, flows: () => [...flows.values()].map((f) => ({ ...f.info })) },
    { kind: "relay", track: false, release },
  );
}
