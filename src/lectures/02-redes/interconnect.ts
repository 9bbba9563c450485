/**
 * What the boxes of the lecture's "interligação de redes" slide do with what arrives on one of their
 * ports, as three small state machines a notebook cell drives frame by frame:
 *
 * - {@link makeHub}: layer 1 — repeats every frame to every other port;
 * - {@link makeSwitch}: layer 2 — learns which MAC address is behind which port from the frames'
 *   source addresses, sends a frame only to its destination's port, floods when it does not know yet;
 * - {@link makeRouter}: layer 3 — chooses the way out by the destination IP's longest matching
 *   prefix in its routing table, and decrements the TTL.
 *
 * @example
 * ```ts
 * import { makeHub, makeSwitch, makeRouter } from "cdlab/lectures/02-redes";
 * makeHub(4).receive({ src: "aa", dst: "bb" }, 1);            // { out: [2, 3, 4] }
 * const sw = makeSwitch(4);
 * sw.receive({ src: "aa", dst: "bb" }, 1).flooded;            // true: bb is not known yet
 * sw.receive({ src: "bb", dst: "aa" }, 2).out;                // [1]: aa was learned on port 1
 * makeRouter([{ prefix: "10.0.1.0/24", iface: "eth0" }, { prefix: "0.0.0.0/0", iface: "wan" }]).route("10.0.1.7", 64).iface; // "eth0"
 * ```
 */
import { invalidArg } from "../../runtime/errors";
import { cidrContains, parseCidr } from "./cidr";

/** A link-layer frame: source and destination MAC addresses (any text). */
export interface Frame {
  src: string;
  dst: string;
}

/** The MAC address every host accepts. */
export const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

function checkPorts(ports: number): number {
  if (!Number.isInteger(ports) || ports < 2 || ports > 64) invalidArg("ports", ports, "esperado um inteiro de 2 a 64");
  return ports;
}

function checkPort(port: number, ports: number): void {
  if (!Number.isInteger(port) || port < 1 || port > ports) invalidArg("inPort", port, `esperada uma porta de 1 a ${ports}`);
}

/** A hub with ports 1…n. */
export interface Hub {
  /** The ports a frame arriving on `inPort` goes out of: all the others. */
  receive(frame: Frame, inPort: number): { out: number[] };
}

/**
 * A hub: a repeater with n ports; it reads no address.
 *
 * @param ports how many ports (2 to 64)
 * @returns the hub
 * @example
 * ```ts
 * makeHub(3).receive({ src: "aa", dst: "bb" }, 2).out; // [1, 3]
 * ```
 */
export function makeHub(ports: number): Hub {
  const n = checkPorts(ports);
  return {
    receive(_frame, inPort) {
      checkPort(inPort, n);
      return { out: Array.from({ length: n }, (_, i) => i + 1).filter((p) => p !== inPort) };
    },
  };
}

/** What a switch did with one frame. */
export interface SwitchDecision {
  out: number[];
  /** Sent to every other port, because the destination was unknown or broadcast. */
  flooded: boolean;
  /** The source address was new (or moved) and is now in the table. */
  learned: boolean;
}

/** A learning switch with ports 1…n. */
export interface Switch {
  receive(frame: Frame, inPort: number): SwitchDecision;
  /** A copy of the MAC table: address → port. */
  table(): Map<string, number>;
}

/**
 * A learning switch: it notes the port behind each source address, forwards a frame only to the
 * port of its destination when known (and not back out of the port it came in), floods otherwise.
 *
 * @param ports how many ports (2 to 64)
 * @returns the switch, with an empty MAC table
 * @example
 * ```ts
 * const sw = makeSwitch(4);
 * sw.receive({ src: "aa", dst: "bb" }, 1); // flooded to 2, 3, 4; learns aa → 1
 * sw.table().get("aa");                    // 1
 * ```
 */
export function makeSwitch(ports: number): Switch {
  const n = checkPorts(ports);
  const macs = new Map<string, number>();
  const all = Array.from({ length: n }, (_, i) => i + 1);
  return {
    receive(frame, inPort) {
      checkPort(inPort, n);
      const learned = macs.get(frame.src) !== inPort;
      macs.set(frame.src, inPort);
      const known = frame.dst === BROADCAST_MAC ? undefined : macs.get(frame.dst);
      if (known === undefined) return { out: all.filter((p) => p !== inPort), flooded: true, learned };
      return { out: known === inPort ? [] : [known], flooded: false, learned };
    },
    table: () => new Map(macs),
  };
}

/** One line of a routing table. */
export interface Route {
  /** Destination network in CIDR, e.g. "10.0.1.0/24"; "0.0.0.0/0" is the default route. */
  prefix: string;
  /** The interface the packet leaves by. */
  iface: string;
  /** Next router, when the destination is not on that interface's network. */
  via?: string;
}

/** What a router did with one packet. */
export interface RouteDecision {
  /** Interface it left by, or undefined when dropped. */
  iface?: string;
  via?: string;
  /** The chosen (longest matching) prefix. */
  prefix?: string;
  /** Every prefix that matched, longest first. */
  matches: string[];
  /** TTL after the hop. */
  ttl: number;
  /** Why it was dropped, if it was. */
  dropped?: string;
}

/** A router with a routing table. */
export interface Router {
  route(dstIp: string, ttl: number): RouteDecision;
}

/**
 * A router: for each packet, the routing-table line whose prefix contains the destination and is
 * the longest wins; the TTL goes down by one and a packet whose TTL reaches 0 is dropped.
 *
 * @param routes the routing table
 * @returns the router
 * @throws CdlabError `ERR_INVALID_ARG` for a bad prefix
 * @example
 * ```ts
 * const r = makeRouter([{ prefix: "10.0.0.0/16", iface: "eth1" }, { prefix: "10.0.1.0/24", iface: "eth0" }]);
 * r.route("10.0.1.9", 64); // { iface: "eth0", prefix: "10.0.1.0/24", matches: ["10.0.1.0/24", "10.0.0.0/16"], ttl: 63 }
 * ```
 */
export function makeRouter(routes: readonly Route[]): Router {
  if (!Array.isArray(routes)) invalidArg("routes", routes, "esperada uma lista de { prefix, iface }");
  const table = routes.map((r) => ({ ...r, bits: parseCidr(r.prefix).prefix }));
  return {
    route(dstIp, ttl) {
      const matches = table.filter((r) => cidrContains(r.prefix, dstIp)).sort((a, b) => b.bits - a.bits);
      const names = matches.map((r) => r.prefix);
      if (ttl <= 1) return { matches: names, ttl: 0, dropped: "TTL esgotado" };
      const best = matches[0];
      if (!best) return { matches: names, ttl: ttl - 1, dropped: "nenhuma rota" };
      return { iface: best.iface, via: best.via, prefix: best.prefix, matches: names, ttl: ttl - 1 };
    },
  };
}
