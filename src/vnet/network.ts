/**
 * Several machines in one notebook: {@link virtualNetwork} makes hosts, each a Linux network namespace with
 * its own interface and address, joined by veth links to a router (IP forwarding, NAT and firewall with
 * nftables) or to a bridge; runs programs on them; and cuts, heals and rate-limits their links.
 *
 * The whole network is one registered handle: `close()`, an interrupt of the cell that made it, or the
 * kernel's shutdown kill what runs on its hosts and remove every namespace, link, rule and qdisc.
 */
import { makeHandle, register, type Handle } from "../runtime/handle";
import { throwIfAborted } from "../runtime/abort";
import { table } from "../runtime/display";
import { invalidArg, validatePort } from "../runtime/errors";
import path from "node:path";
import type net from "node:net";
import { run, type ChildHandle, type ChildOptions, type RunResult } from "../proc/child";
import { entryFile, programArgs } from "../proc/program";
import { listenOnHost } from "./listen";
import { requireVnet, startAnchor, type Anchor, type VnetMode } from "./anchor";
import { buildScript, limitScript, linkScript, parseQueue, planNetwork, queueScript, teardownScript, type HostPlan, type QueueStats, type RateLimit } from "./topology";
import { nftSetupScript, noNft, Router } from "./router";

/** Options of {@link virtualNetwork}. */
export interface VirtualNetworkOptions {
  /** Host names, e.g. `["cliente", "servidor"]` (lowercase letters, digits, "-"). */
  hosts: string[];
  /**
   * A router between the hosts (each host on its own link and subnet), or none (`false`): every host on one
   * bridge, one subnet. `nat` lists the hosts behind NAT: what they send through the router leaves with the
   * router's address (nftables masquerade).
   * @default false
   */
  router?: boolean | { name?: string; nat?: string[] };
  /** Aborting it before the network is ready stops its creation. */
  signal?: AbortSignal;
}

/** One host of a {@link VirtualNetwork}. */
export interface VirtualHost {
  readonly name: string;
  /** Its address, e.g. "10.200.1.2". */
  readonly address: string;
  /** Its router's address on its link (its default gateway), when there is a router. */
  readonly gateway?: string;
  /** Run a command on this host to completion, capturing its output (a non-zero exit is reported, not thrown). */
  run(command: string, args?: string[], options?: Omit<ChildOptions, "args" | "stdio"> & { input?: string }): Promise<RunResult>;
  /** Start a command on this host as a registered child process (it ends when the network closes). */
  start(command: string, options?: ChildOptions): Promise<ChildHandle>;
  /** Start a small Node program (`node -e code`) on this host. */
  startNode(code: string, options?: ChildOptions): Promise<ChildHandle>;
  /** Start a cdlab entry file (`entryFile(__dirname, "worker-main")`, see src/proc/program.ts) on this host; `args` are its own. */
  startProgram(file: string, options?: ChildOptions): Promise<ChildHandle>;
  /**
   * A TCP server of this process (the notebook's kernel) whose listening socket lives on this host, on
   * 0.0.0.0:`port`: clients reach it at `address` through the virtual network, so cuts and rate limits apply.
   * The caller closes it (`server.close()`), before closing the network.
   * @param port the port on this host @default 0 (a free one: `server.address().port`)
   * @example
   * ```ts
   * declare const rede: import("./network").VirtualNetwork;
   * const servidor = await rede.host("servidor").listen();
   * servidor.on("connection", (c) => c.end(`oi, ${c.remoteAddress}\n`));
   * ```
   */
  listen(port?: number): Promise<net.Server>;
}

/** A virtual network: its hosts, its router and its links' faults. */
export interface VirtualNetwork extends Handle {
  /** How the namespaces were made here: "root" or "userns" (unprivileged). */
  readonly mode: VnetMode;
  readonly hosts: readonly VirtualHost[];
  /** The router (NAT, firewall, conntrack), when the network has one. */
  readonly router?: Router;
  /** The host called `name`. */
  host(name: string): VirtualHost;
  /** Cut host `name`'s link (a partition): nothing goes in or out until {@link VirtualNetwork.heal}. */
  cut(name: string): Promise<void>;
  /** Bring host `name`'s link back. */
  heal(name: string): Promise<void>;
  /** Limit both directions of host `name`'s link with the kernel's `tbf` qdisc; `undefined` removes the limit. */
  limit(name: string, limit: RateLimit | undefined): Promise<void>;
  /** The queue toward host `name` (router or switch side), as the kernel counts it: backlog, drops. */
  queue(name: string): Promise<QueueStats>;
  /** Show the hosts, their addresses and gateways as a pt-BR table. */
  show(): void;
}

/**
 * Make a virtual network of hosts (Linux network namespaces) on this machine.
 *
 * @param options hosts, router (with NAT), signal
 * @returns the network, a registered handle: `close()` removes everything
 * @throws CdlabError `ERR_NO_NETNS` (one pt-BR line) when namespaces cannot be created here — callers fall
 *   back to 127.0.0.1; `ERR_INVALID_ARG` on a bad option; `ERR_VNET` when a configuration step fails
 * @example
 * ```ts
 * const rede = await virtualNetwork({ hosts: ["cliente", "servidor"], router: { nat: ["cliente"] } });
 * const eco = await rede.host("servidor").start("node", { args: ["bin/cdlab.js", "udp-server"] });
 * await rede.host("cliente").run("node", ["bin/cdlab.js", "udp-client", "oi", rede.host("servidor").address]);
 * await rede.close();
 * ```
 */
export async function virtualNetwork(options: VirtualNetworkOptions): Promise<VirtualNetwork> {
  if (typeof options !== "object" || options === null) invalidArg("options", options, "deve ser um objeto com hosts");
  const { hosts, router = false, signal } = options;
  const routerOpts = router === true ? {} : router === false ? undefined : router;
  if (routerOpts !== undefined && typeof routerOpts !== "object") invalidArg("router", router, "deve ser `true`, `false` ou { name, nat }");
  const plan = planNetwork(hosts, routerOpts ? routerOpts.name ?? "roteador" : undefined);
  const byName = new Map(plan.hosts.map((h) => [h.name, h]));
  const natHosts = (routerOpts?.nat ?? []).map((n) => byName.get(n) ?? invalidArg("router.nat", n, `deve citar máquinas desta rede (${hosts.join(", ")})`));
  const support = requireVnet();
  if (natHosts.length > 0 && !support.nft) throw noNft();
  throwIfAborted(signal);

  const anchor = await startAnchor(`rede virtual (${hosts.join(", ")})`);
  const children = new Set<ChildHandle>();
  const hostOf = (name: string): HostPlan => byName.get(name) ?? invalidArg("host", name, `deve ser uma destas: ${hosts.join(", ")}`);
  const resolve = (x: string) => (byName.get(x)?.address ?? (/^10\.200\.\d{1,3}\.\d{1,3}$/.test(x) ? x : invalidArg("host", x, "deve ser uma máquina desta rede ou um dos seus endereços")));

  const release = async () => {
    await Promise.all([...children].map((c) => c.close()));
    // When the anchor is already gone (closed first by a shutdown), so are the namespaces it held.
    await anchor.sh(teardownScript(plan)).catch(() => undefined);
    await anchor.close();
  };

  try {
    await anchor.sh(buildScript(plan));
    if (plan.router && support.nft) await anchor.sh(nftSetupScript(plan.router.ns, natHosts));
    throwIfAborted(signal);
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }

  const keep = (c: ChildHandle) => {
    children.add(c);
    void c.result.then(() => children.delete(c));
    return c;
  };
  const makeHost = (h: HostPlan): VirtualHost => {
    const host: VirtualHost = {
      name: h.name,
      address: h.address,
      gateway: h.gateway,
      run: async (command, args = [], opts = {}) => run("nsenter", anchor.command(h.ns, command, args), opts),
      start: async (command, opts = {}) => keep(await anchor.start(h.ns, command, { ...opts, label: opts.label ?? `${command} em ${h.name}` })),
      startNode: async (code, opts = {}) =>
        keep(await anchor.start(h.ns, process.execPath, { label: `node -e … em ${h.name}`, ...opts, args: ["-e", code, ...(opts.args ?? [])] })),
      startProgram: async (file, opts = {}) =>
        keep(await anchor.start(h.ns, process.execPath, { label: `${path.basename(file)} em ${h.name}`, ...opts, args: [...programArgs(file), ...(opts.args ?? [])] })),
      listen: (port = 0) => listenOnHost(host.startProgram, entryFile(__dirname, "listen-main"), validatePort(port), h.name),
    };
    return host;
  };
  const vhosts = plan.hosts.map(makeHost);

  const network: VirtualNetwork = makeHandle<VirtualNetwork>(
    {
      mode: support.mode,
      hosts: vhosts,
      router: plan.router ? new Router(plan.router.name, plan.router.ns, anchor, support, resolve) : undefined,
      host: (name: string) => vhosts[plan.hosts.indexOf(hostOf(name))],
      cut: async (name: string) => void (await anchor.sh(linkScript(hostOf(name), false))),
      heal: async (name: string) => void (await anchor.sh(linkScript(hostOf(name), true))),
      limit: async (name: string, limit: RateLimit | undefined) => void (await anchor.sh(limitScript(hostOf(name), limit))),
      queue: async (name: string) => parseQueue((await anchor.sh(queueScript(hostOf(name)))).stdout),
      show: () =>
        table([
          ...plan.hosts.map((h) => ({ máquina: h.name, interface: "eth0", endereço: `${h.address}/24`, gateway: h.gateway ?? "—" })),
          ...(plan.router ? plan.hosts.map((h) => ({ máquina: plan.router!.name, interface: h.port, endereço: `${h.gateway}/24`, gateway: "—" })) : []),
        ]),
    },
    {
      kind: "other",
      label: `rede virtual: ${[...hosts, ...(plan.router ? [plan.router.name] : [])].join(", ")}`,
      track: "later",
      interrupt: () => void network.close(),
      release,
    },
  );
  return register(network);
}
