/**
 * The router of a virtual network, as the Linux kernel does it: NAT is an nftables `masquerade` rule, the
 * translation table is the kernel's conntrack table (`conntrack -L`, or /proc/net/nf_conntrack when
 * conntrack-tools is missing), and the firewall is nftables rules in the `forward` chain, each with a
 * counter the kernel keeps.
 *
 * Everything lives in one table, `ip cdlab`, in the router's own namespace: it goes with the namespace.
 */
import { CdlabError, invalidArg } from "../runtime/errors";
import { table } from "../runtime/display";
import type { Anchor, VnetSupport } from "./anchor";
import type { HostPlan } from "./topology";

/** The script that creates the router's nftables table, with a masquerade rule for each host behind NAT. */
export function nftSetupScript(ns: string, natHosts: readonly HostPlan[]): string {
  const nat = natHosts.map((h) => `add rule ip cdlab postrouting ip saddr ${h.subnet} oifname != "${h.port}" counter masquerade`);
  return [
    `ip netns exec ${ns} nft -f - <<'EOF'`,
    "add table ip cdlab",
    "add chain ip cdlab forward { type filter hook forward priority filter; policy accept; }",
    "add chain ip cdlab postrouting { type nat hook postrouting priority srcnat; policy accept; }",
    ...nat,
    "EOF",
  ].join("\n");
}

/** The pt-BR error when `nft` is missing (`ERR_NO_NFT`): NAT and firewall need Debian's nftables package. */
export function noNft(): CdlabError {
  return new CdlabError("ERR_NO_NFT", "O comando nft não está instalado (pacote nftables: npm run setup como root); NAT e firewall indisponíveis");
}

/** One end of a tracked connection. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

/** One entry of the kernel's connection tracking table. */
export interface ConntrackEntry {
  /** "udp", "tcp", "icmp"… */
  protocol: string;
  /** TCP state ("ESTABLISHED"…), when there is one. */
  state?: string;
  /** Seconds before the kernel forgets it. */
  timeout: number;
  /** The packet as the sender sent it. */
  original: ConntrackTuple;
  /** The reply the kernel expects: its destination is the translated source when NAT applied. */
  reply: ConntrackTuple;
  /** True when the kernel translated the addresses (the reply goes to another address or port). */
  nat: boolean;
  /** Flags such as "ASSURED", "UNREPLIED". */
  flags: string[];
}

/**
 * Parse `conntrack -L` or /proc/net/nf_conntrack output.
 * @param text the listing, one connection a line
 * @returns the entries
 * @example
 * ```ts
 * parseConntrack("udp 17 29 src=10.200.1.2 dst=10.200.2.2 sport=4000 dport=5000 src=10.200.2.2 dst=10.200.2.1 sport=5000 dport=4000 mark=0 use=1")[0].nat; // true
 * ```
 */
export function parseConntrack(text: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] === "ipv4" || words[0] === "ipv6") words.splice(0, 2);
    if (words.length < 4 || !/^\d+$/.test(words[1] ?? "")) continue;
    const [protocol, , timeout, ...rest] = words;
    const tuples: ConntrackTuple[] = [];
    const flags: string[] = [];
    let state: string | undefined;
    for (const w of rest) {
      const m = /^(src|dst|sport|dport)=(.*)$/.exec(w);
      if (m) {
        if (m[1] === "src" && (tuples.length === 0 || tuples[tuples.length - 1].src !== "")) tuples.push({ src: "", dst: "" });
        const t = tuples[tuples.length - 1];
        if (m[1] === "src" || m[1] === "dst") t[m[1]] = m[2];
        else t[m[1] as "sport" | "dport"] = Number(m[2]);
      } else if (/^\[[A-Z]+\]$/.test(w)) flags.push(w.slice(1, -1));
      else if (/^[A-Z_]+$/.test(w) && tuples.length === 0) state = w;
    }
    if (tuples.length < 2) continue;
    const [original, reply] = tuples;
    const nat = reply.dst !== original.src || (reply.dport !== undefined && reply.dport !== original.sport);
    entries.push({ protocol, state, timeout: Number(timeout), original, reply, nat, flags });
  }
  return entries;
}

/** One rule of the firewall, with the kernel's counter. */
export interface FirewallRule {
  /** The rule's handle in nftables (to remove it). */
  handle: number;
  /** The rule as nft prints it, without the counter. */
  rule: string;
  /** Packets that matched it, as counted by the kernel. */
  packets: number;
  bytes: number;
}

/** A firewall rule described by its fields (each one optional). */
export interface RuleSpec {
  /** Source host name or address. */
  from?: string;
  /** Destination host name or address. */
  to?: string;
  protocol?: "udp" | "tcp";
  /** Destination port (needs `protocol`). */
  port?: number;
  /** @default "drop" */
  action?: "drop" | "accept" | "reject";
}

/**
 * Parse `nft -a list chain ip cdlab forward` into rules with counters.
 * @returns one {@link FirewallRule} per rule line
 */
export function parseRules(text: string): FirewallRule[] {
  const rules: FirewallRule[] = [];
  for (const line of text.split("\n")) {
    const h = /# handle (\d+)\s*$/.exec(line);
    const c = /counter packets (\d+) bytes (\d+) ?/.exec(line);
    if (!h || !c) continue;
    const rule = line.replace(/# handle \d+\s*$/, "").replace(c[0], "").trim();
    rules.push({ handle: Number(h[1]), rule, packets: Number(c[1]), bytes: Number(c[2]) });
  }
  return rules;
}

/** The router of a {@link VirtualNetwork}: NAT, conntrack and the firewall of the kernel. */
export class Router {
  /**
   * @param name the router's host name
   * @param ns its namespace
   * @param anchor where commands run
   * @param support what this machine has (nft, conntrack)
   * @param resolve a host name to its address
   */
  constructor(
    readonly name: string,
    readonly ns: string,
    private readonly anchor: Anchor,
    private readonly support: VnetSupport,
    private readonly resolve: (hostOrAddress: string) => string,
  ) {}

  private needNft(): void {
    if (!this.support.nft) throw noNft();
  }

  private async inRouter(cmd: string): Promise<string> {
    return (await this.anchor.sh(`ip netns exec ${this.ns} ${cmd}`)).stdout;
  }

  /**
   * The kernel's connection tracking table in the router: each flow that crossed it, with the translated
   * address when NAT applied.
   * @returns the entries, as the kernel lists them
   */
  async conntrack(): Promise<ConntrackEntry[]> {
    const cmd = this.support.conntrack ? "conntrack -L 2>/dev/null" : "cat /proc/net/nf_conntrack";
    return parseConntrack(await this.inRouter(cmd));
  }

  /** Show the NAT translations (conntrack entries with `nat`) as a pt-BR table. */
  async showNat(): Promise<void> {
    const at = (t: ConntrackTuple, port?: number) => (port === undefined ? t.src : `${t.src}:${port}`);
    table(
      (await this.conntrack()).map((e) => ({
        protocolo: e.protocol,
        "origem (interna)": at(e.original, e.original.sport),
        destino: `${e.original.dst}${e.original.dport === undefined ? "" : `:${e.original.dport}`}`,
        "origem traduzida": e.nat ? `${e.reply.dst}${e.reply.dport === undefined ? "" : `:${e.reply.dport}`}` : "(sem tradução)",
        "expira em (s)": e.timeout,
      })),
    );
  }

  /**
   * Add a firewall rule to the router's forward chain, with a counter.
   * @param rule nft rule text (`"udp dport 9999 drop"`) or its fields (`{ protocol: "udp", port: 9999 }`)
   * @returns the rule's handle (for {@link Router.removeRule})
   * @example
   * ```ts
   * declare const rede: import("./network").VirtualNetwork;
   * await rede.router!.addRule({ from: "cliente", protocol: "udp", port: 9999 });
   * ```
   */
  async addRule(rule: string | RuleSpec): Promise<number> {
    this.needNft();
    const text = typeof rule === "string" ? rule : this.ruleText(rule);
    const m = /^(.*?)\s*\b(drop|accept|reject)\s*$/.exec(text);
    if (!m || /[;'"\\`$\n{}]/.test(text)) invalidArg("rule", rule, 'deve ser uma regra do nft terminada em drop, accept ou reject, como "udp dport 9999 drop"');
    const out = await this.inRouter(`nft --echo --handle add rule ip cdlab forward ${m[1]} counter ${m[2]}`);
    const h = /# handle (\d+)/.exec(out);
    return h ? Number(h[1]) : -1;
  }

  private ruleText(s: RuleSpec): string {
    if (s.port !== undefined && !s.protocol) invalidArg("protocol", s.protocol, 'é necessário com "port" ("udp" ou "tcp")');
    if (s.protocol !== undefined && s.protocol !== "udp" && s.protocol !== "tcp") invalidArg("protocol", s.protocol, 'deve ser "udp" ou "tcp"');
    if (s.port !== undefined && (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) invalidArg("port", s.port, "deve ser uma porta de 1 a 65535");
    return [
      s.from ? `ip saddr ${this.resolve(s.from)}` : "",
      s.to ? `ip daddr ${this.resolve(s.to)}` : "",
      s.protocol ? `meta l4proto ${s.protocol}` : "",
      s.port !== undefined ? `${s.protocol} dport ${s.port}` : "",
      s.action ?? "drop",
    ]
      .filter(Boolean)
      .join(" ");
  }

  /** Remove a rule added with {@link Router.addRule}. */
  async removeRule(handle: number): Promise<void> {
    this.needNft();
    if (!Number.isInteger(handle) || handle < 0) invalidArg("handle", handle, "deve ser um número devolvido por addRule");
    await this.inRouter(`nft delete rule ip cdlab forward handle ${handle}`);
  }

  /** The firewall's rules with the packets and bytes each one matched, read from the kernel. */
  async rules(): Promise<FirewallRule[]> {
    this.needNft();
    return parseRules(await this.inRouter("nft -a list chain ip cdlab forward"));
  }

  /** Show the firewall's rules and their counters as a pt-BR table. */
  async showRules(): Promise<void> {
    table((await this.rules()).map((r) => ({ regra: r.rule, pacotes: r.packets, bytes: r.bytes })));
  }

  /** The router's whole nftables ruleset, as `nft list ruleset` prints it. */
  async ruleset(): Promise<string> {
    this.needNft();
    return this.inRouter("nft list ruleset");
  }
}
