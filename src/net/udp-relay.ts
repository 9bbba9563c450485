/**
 * Internal: the UDP relay the NAT, the firewall and the IPC experiments are
 * built on. It listens on 127.0.0.1 ("inside"); for each client address it
 * opens its own "outside" socket (a new port) towards the target, so replies
 * find their way back. An `inspect` hook can drop or delay each datagram.
 */
import dgram from "node:dgram";
import { CdlabError, invalidArg, systemError, validatePort } from "../runtime/errors";
import { once } from "../runtime/handle";

/** Where a relay forwards to: a port on loopback. */
export interface RelayTarget {
  /** Loopback only. @default "127.0.0.1" */
  host?: string;
  port: number;
}

/** What `inspect` decides for one datagram. */
export interface RelayDecision {
  /** Drop it; the text is the reason. */
  drop?: string;
  /** Forward it after this many ms (reordering). */
  delayMs?: number;
}

/** One client's mapping. */
export interface RelayFlow {
  client: { address: string; port: number };
  outsidePort: number;
  target: { address: string; port: number };
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  created: number;
  lastSeen: number;
}

/** Options of {@link openUdpRelay}. */
export interface RelayCoreOptions {
  /** Where datagrams go: a port on 127.0.0.1 or { host, port } on loopback. */
  target: RelayTarget | number;
  /** Inside port (clients send here). @default 0 (any free port) */
  port?: number;
  /** Decide each datagram: `out` = client → target, `in` = target → client. @default forward everything */
  inspect?: (data: Buffer, from: { address: string; port: number }, direction: "out" | "in") => RelayDecision | void;
}

/** A running relay core (not tracked: its owner tracks itself). */
export interface RelayCore {
  port: number;
  target: { address: string; port: number };
  flows(): RelayFlow[];
  close(): Promise<void>;
}

/**
 * Validate a relay target: a port number or `{ host, port }` on loopback.
 *
 * @param target what the caller gave
 * @param option the option's name for messages @default "target"
 * @returns address and port
 * @throws CdlabError `ERR_INVALID_ARG` (not loopback, missing) or `ERR_INVALID_PORT`
 */
export function checkTarget(target: RelayTarget | number | undefined, option = "target"): { address: string; port: number } {
  const t = typeof target === "number" ? { port: target } : target;
  if (!t || typeof t !== "object") invalidArg(option, target, "expected a port or { host: \"127.0.0.1\", port }");
  const host = t.host ?? "127.0.0.1";
  const address = host === "localhost" ? "127.0.0.1" : host;
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) invalidArg(`${option}.host`, host, "expected a loopback address (127.x.x.x): relays stay on this machine");
  const port = validatePort(t.port, `${option}.port`);
  if (port === 0) invalidArg(`${option}.port`, 0, "expected the port of a running server (1 to 65535)");
  return { address, port };
}

function bind(sock: dgram.Socket, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(port, "127.0.0.1", () => {
      sock.off("error", reject);
      resolve(sock.address().port);
    });
  });
}

/**
 * Open the relay: bind 127.0.0.1 (`port`), and per client address an outside
 * socket towards the target. Not tracked in the registry; the NAT, the
 * firewall and the experiments track their own handles.
 *
 * @param options target, port and inspect hook
 * @returns the relay core
 * @throws CdlabError for a bad target or port, `EADDRINUSE` for a taken port
 * @example
 * ```ts
 * const core = await openUdpRelay({ target: 7000, inspect: (d) => (d.length > 100 ? { drop: "too big" } : undefined) });
 * ```
 */
export async function openUdpRelay(options: RelayCoreOptions): Promise<RelayCore> {
  const target = checkTarget(options.target);
  const listenPort = validatePort(options.port ?? 0);
  const inside = dgram.createSocket("udp4");
  let port: number;
  try {
    port = await bind(inside, listenPort);
  } catch (e) {
    inside.close();
    throw systemError(`Cannot start relay on 127.0.0.1:${listenPort}`, e);
  }
  inside.on("error", () => {});
  const flows = new Map<string, { info: RelayFlow; outside: dgram.Socket; ready: Promise<unknown> }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const later = (ms: number | undefined, fn: () => void) => {
    if (!ms) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };

  const flowFor = (client: { address: string; port: number }) => {
    const key = `${client.address}:${client.port}`;
    let f = flows.get(key);
    if (f) return f;
    const outside = dgram.createSocket("udp4");
    outside.on("error", () => {});
    const info: RelayFlow = { client, outsidePort: 0, target, packetsOut: 0, packetsIn: 0, bytesOut: 0, bytesIn: 0, created: Date.now(), lastSeen: Date.now() };
    const ready = bind(outside, 0).then((p) => (info.outsidePort = p), () => undefined);
    outside.on("message", (msg, rinfo) => {
      const d = options.inspect?.(msg, { address: rinfo.address, port: rinfo.port }, "in") ?? {};
      if (d.drop !== undefined) return;
      info.packetsIn++;
      info.bytesIn += msg.length;
      info.lastSeen = Date.now();
      later(d.delayMs, () => inside.send(msg, client.port, client.address));
    });
    f = { info, outside, ready };
    flows.set(key, f);
    return f;
  };

  inside.on("message", (msg, rinfo) => {
    const from = { address: rinfo.address, port: rinfo.port };
    const d = options.inspect?.(msg, from, "out") ?? {};
    if (d.drop !== undefined) return;
    const f = flowFor(from);
    f.info.packetsOut++;
    f.info.bytesOut += msg.length;
    f.info.lastSeen = Date.now();
    later(d.delayMs, () => void f.ready.then(() => !closed && f.outside.send(msg, target.port, target.address)));
  });

  const close = once(async () => {
    closed = true;
    for (const t of timers) clearTimeout(t);
    await Promise.all([inside, ...[...flows.values()].map((f) => f.outside)].map((s) => new Promise<void>((r) => {
      try {
        s.close(() => r());
      } catch {
        r();
      }
    })));
  });
  if (!Number.isInteger(port)) throw new CdlabError("ERR_UNKNOWN", "Cannot start relay: no port");
  return { port, target, flows: () => [...flows.values()].map((f) => ({ ...f.info })), close };
}
