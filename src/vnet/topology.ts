/**
 * The shape of a virtual network, as plain data and the shell scripts (`ip`, `tc`) that build and change it.
 * No process is started here: {@link planNetwork} is pure, and the scripts run in the anchor
 * (see anchor.ts).
 *
 * Addresses come from 10.200.0.0/16, used only inside the network's own namespaces:
 * - with a router, host number i (from 1) has its own link `eth0` ↔ router `eth<i>`, subnet 10.200.i.0/24,
 *   host 10.200.i.2, router 10.200.i.1 (the host's default gateway);
 * - without one, every host hangs from a bridge `br0` in the anchor (the switch): 10.200.0.(i+1)/24.
 */
import { invalidArg } from "../runtime/errors";

/** One host of a planned network. */
export interface HostPlan {
  /** Its name, as given (`"cliente"`). */
  name: string;
  /** Its network namespace (inside the anchor's private /run/netns). */
  ns: string;
  /** Its address, e.g. "10.200.1.2". */
  address: string;
  /** Its subnet, e.g. "10.200.1.0/24". */
  subnet: string;
  /** Its gateway (the router's address on its link), when there is a router. */
  gateway?: string;
  /** The far end of its link: the router's or the switch's interface. */
  port: string;
  /** The namespace of `port` (the router's), or undefined for the switch (the anchor itself). */
  portNs?: string;
}

/** A planned network: its hosts and, when asked, its router. */
export interface NetworkPlan {
  hosts: HostPlan[];
  router?: { name: string; ns: string };
}

const NAME = /^[a-z][a-z0-9-]{0,19}$/;
let counter = 0;

/**
 * Plan a network: names, namespaces, interfaces and addresses.
 *
 * @param hosts host names (lowercase letters, digits, "-")
 * @param router the router's name, or undefined for a bridge
 * @returns the plan
 * @throws CdlabError `ERR_INVALID_ARG` naming the option
 * @example
 * ```ts
 * planNetwork(["cliente", "servidor"], "roteador").hosts[1].address; // "10.200.2.2"
 * ```
 */
export function planNetwork(hosts: readonly string[], router?: string): NetworkPlan {
  if (!Array.isArray(hosts) || hosts.length === 0 || hosts.length > 200) invalidArg("hosts", hosts, "deve ser uma lista de 1 a 200 nomes de máquinas");
  const names = [...hosts, ...(router ? [router] : [])];
  for (const n of names)
    if (typeof n !== "string" || !NAME.test(n)) invalidArg("hosts", n, "um nome de máquina tem letras minúsculas sem acento, dígitos e '-', começa com uma letra (no máximo 20)");
  if (new Set(names).size !== names.length) invalidArg("hosts", names, "os nomes das máquinas devem ser diferentes (o do roteador também)");
  const prefix = `c${process.pid}n${++counter}`;
  const routerNs = router ? `${prefix}-${router}` : undefined;
  return {
    router: router ? { name: router, ns: routerNs! } : undefined,
    hosts: hosts.map((name, k) => {
      const i = k + 1;
      return router
        ? { name, ns: `${prefix}-${name}`, address: `10.200.${i}.2`, subnet: `10.200.${i}.0/24`, gateway: `10.200.${i}.1`, port: `eth${i}`, portNs: routerNs }
        : { name, ns: `${prefix}-${name}`, address: `10.200.0.${i + 1}`, subnet: "10.200.0.0/24", port: `p${i}` };
    }),
  };
}

/** `ip` with `-n ns` when ns is given (the switch is the anchor's own namespace). */
const ipIn = (ns: string | undefined) => (ns ? `ip -n ${ns}` : "ip");
const tcIn = (ns: string | undefined) => (ns ? `tc -n ${ns}` : "tc");

/**
 * The script that builds the network in the anchor: namespaces, veth links, addresses, routes, the bridge
 * or the router with IP forwarding.
 */
export function buildScript(plan: NetworkPlan): string {
  const lines: string[] = [];
  const r = plan.router;
  if (r) {
    lines.push(`ip netns add ${r.ns}`, `ip -n ${r.ns} link set lo up`, `ip netns exec ${r.ns} sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'`);
  } else {
    lines.push("ip link add br0 type bridge", "ip link set br0 up");
  }
  for (const h of plan.hosts) {
    lines.push(
      `ip netns add ${h.ns}`,
      `ip -n ${h.ns} link set lo up`,
      `ip link add eth0 netns ${h.ns} type veth peer name ${h.port}${h.portNs ? ` netns ${h.portNs}` : ""}`,
      `ip -n ${h.ns} addr add ${h.address}/24 dev eth0`,
      `ip -n ${h.ns} link set eth0 up`,
    );
    if (h.gateway) {
      lines.push(`${ipIn(h.portNs)} addr add ${h.gateway}/24 dev ${h.port}`, `${ipIn(h.portNs)} link set ${h.port} up`);
      lines.push(`ip -n ${h.ns} route add default via ${h.gateway}`);
    } else {
      lines.push(`ip link set ${h.port} master br0`, `ip link set ${h.port} up`);
    }
  }
  return lines.join("\n");
}

/** The script that removes everything: kill what still runs in each namespace, then delete it. */
export function teardownScript(plan: NetworkPlan): string {
  const all = [...plan.hosts.map((h) => h.ns), ...(plan.router ? [plan.router.ns] : [])];
  return all
    .map((ns) => `if [ -e /run/netns/${ns} ]; then for p in $(ip netns pids ${ns}); do kill -9 $p 2>/dev/null || true; done; ip netns del ${ns}; fi`)
    .join("\n");
}

/** Cut (`up = false`) or heal the link of host `h`: its far end (router or switch side) goes down or up. */
export function linkScript(h: HostPlan, up: boolean): string {
  return `${ipIn(h.portNs)} link set ${h.port} ${up ? "up" : "down"}`;
}

/** Options of a rate limit (the kernel's `tbf` qdisc). */
export interface RateLimit {
  /** Rate, as tc writes it: "1mbit", "500kbit". */
  rate: string;
  /** Longest a packet may wait in the queue; past that it is dropped. @default "200ms" */
  latency?: string;
  /** Bytes sent at full speed before the rate applies. @default "4kb" */
  burst?: string;
}

const RATE = /^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/;
const TIME = /^\d+(\.\d+)?(us|ms|s)$/;
const SIZE = /^\d+(b|kb|mb)?$/;

/** The script that limits both directions of host `h`'s link with `tbf` (or removes the limit when `limit` is undefined). */
export function limitScript(h: HostPlan, limit: RateLimit | undefined): string {
  const ends: [string | undefined, string][] = [
    [h.portNs, h.port],
    [h.ns, "eth0"],
  ];
  if (!limit) return ends.map(([ns, dev]) => `${tcIn(ns)} qdisc del dev ${dev} root 2>/dev/null || true`).join("\n");
  const { rate, latency = "200ms", burst = "4kb" } = limit;
  if (typeof rate !== "string" || !RATE.test(rate)) invalidArg("rate", rate, 'deve ser uma taxa como "1mbit" ou "500kbit"');
  if (!TIME.test(latency)) invalidArg("latency", latency, 'deve ser um tempo como "200ms"');
  if (!SIZE.test(burst)) invalidArg("burst", burst, 'deve ser um tamanho como "4kb"');
  return ends.map(([ns, dev]) => `${tcIn(ns)} qdisc replace dev ${dev} root tbf rate ${rate} burst ${burst} latency ${latency}`).join("\n");
}

/** The script that prints, as JSON, the qdiscs of the far end of host `h`'s link (the queue toward the host). */
export function queueScript(h: HostPlan): string {
  return `${tcIn(h.portNs)} -j -s qdisc show dev ${h.port}`;
}

/** The queue toward a host, as the kernel counts it. */
export interface QueueStats {
  /** The queueing discipline: "tbf" when limited, "noqueue" otherwise. */
  qdisc: string;
  /** Bytes waiting in the queue now. */
  backlog: number;
  /** Packets waiting in the queue now. */
  queued: number;
  /** Bytes sent through it so far. */
  sent: number;
  /** Packets dropped because the queue was full. */
  dropped: number;
}

/**
 * Parse `tc -j -s qdisc show` (the root qdisc).
 * @example
 * ```ts
 * parseQueue('[{"kind":"tbf","root":true,"bytes":10,"drops":0,"backlog":3000,"qlen":2}]').backlog; // 3000
 * ```
 */
export function parseQueue(json: string): QueueStats {
  const all = (JSON.parse(json || "[]") as Record<string, unknown>[]) ?? [];
  const q = all.find((x) => x.root) ?? all[0] ?? {};
  const n = (v: unknown) => (typeof v === "number" ? v : 0);
  return { qdisc: typeof q.kind === "string" ? q.kind : "noqueue", backlog: n(q.backlog), queued: n(q.qlen), sent: n(q.bytes), dropped: n(q.drops) };
}
