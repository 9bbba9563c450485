/**
 * A firewall as a hook on the one UDP relay (src/net/udp-relay.ts): every
 * datagram from a client is checked against an ordered list of allow/deny
 * rules (the first rule that matches decides; none matches → the default
 * action). Allowed datagrams go on to the target, dropped ones are logged with
 * the rule that dropped them.
 *
 * @example
 * ```ts
 * import { udpServer } from "cdlab/net";
 * import { startFirewall } from "cdlab/lectures/02-redes";
 * const server = await udpServer({ port: 0 });
 * const fw = await startFirewall({ target: server.port, rules: [
 *   { action: "deny", contains: "DROP TABLE" },
 *   { action: "allow", from: "127.0.0.0/8" },
 * ] });
 * fw.drops; // [{ rule: 0, from: "127.0.0.1:53211", reason: "…", … }]
 * ```
 */
import { invalidArg, validatePort } from "../../runtime/errors";
import { makeHandle, type Handle } from "../../runtime/handle";
import { replaceNamed } from "../../runtime/registry";
import { cidrContains, parseCidr } from "./cidr";
import { openUdpRelay, type RelayTarget } from "../../net/udp-relay";

/** One rule; every condition given must match. */
export interface FirewallRule {
  action: "allow" | "deny";
  /** Source address block, e.g. `"127.0.0.0/8"`. */
  from?: string;
  /** Source port, or an inclusive range `[lo, hi]`. */
  fromPort?: number | [number, number];
  /** Payload contains this text. */
  contains?: string;
  /** Payload larger than this many bytes. */
  largerThan?: number;
}

/** Options of {@link startFirewall}. */
export interface FirewallOptions {
  /** The protected server (a port on 127.0.0.1, or { host, port } on loopback). */
  target: RelayTarget | number;
  /** Ordered rules; the first match decides. */
  rules: FirewallRule[];
  /** When no rule matches. @default "deny" */
  defaultAction?: "allow" | "deny";
  /** Port clients send to. @default 0 (any free port) */
  port?: number;
  /** Registry name: a new firewall with the same name replaces the old one. */
  name?: string;
}

/** One dropped datagram. */
export interface DropRecord {
  time: string;
  from: string;
  bytes: number;
  /** Index of the rule that denied it, or -1 for the default action. */
  rule: number;
  reason: string;
  /** Up to 40 characters of the payload. */
  preview: string;
}

/** A running firewall relay. */
export interface Firewall extends Handle {
  port: number;
  /** Dropped datagrams, oldest first. */
  drops: DropRecord[];
  /** Datagrams allowed and dropped so far. */
  stats(): { allowed: number; dropped: number };
}

/**
 * Decide one datagram: the index of the first matching rule and its action.
 *
 * @param rules ordered rules
 * @param from the datagram's source address and port
 * @param data the payload
 * @param defaultAction when no rule matches @default "deny"
 * @returns `{ action, rule }`, rule -1 when the default applied
 * @example
 * ```ts
 * declare const rules: FirewallRule[];
 * evaluateRules(rules, { address: "127.0.0.1", port: 5000 }, Buffer.from("oi"));
 * ```
 */
export function evaluateRules(rules: readonly FirewallRule[], from: { address: string; port: number }, data: Uint8Array, defaultAction: "allow" | "deny" = "deny"): { action: "allow" | "deny"; rule: number } {
  const text = Buffer.from(data).toString("utf8");
  const i = rules.findIndex((r) =>
    (r.from === undefined || cidrContains(r.from, from.address)) &&
    (r.fromPort === undefined || (typeof r.fromPort === "number" ? from.port === r.fromPort : from.port >= r.fromPort[0] && from.port <= r.fromPort[1])) &&
    (r.contains === undefined || text.includes(r.contains)) &&
    (r.largerThan === undefined || data.length > r.largerThan));
  return i < 0 ? { action: defaultAction, rule: -1 } : { action: rules[i].action, rule: i };
}

function checkRules(rules: unknown): FirewallRule[] {
  if (!Array.isArray(rules)) invalidArg("rules", rules, "esperada uma lista de { action, from?, fromPort?, contains?, largerThan? }");
  rules.forEach((r: FirewallRule, i) => {
    if (!r || (r.action !== "allow" && r.action !== "deny")) invalidArg(`rules[${i}].action`, r?.action, 'esperado "allow" ou "deny"');
    if (r.from !== undefined) parseCidr(r.from);
    if (r.fromPort !== undefined) (Array.isArray(r.fromPort) ? r.fromPort : [r.fromPort]).forEach((p) => validatePort(p, `rules[${i}].fromPort`));
    if (r.largerThan !== undefined && !(Number.isInteger(r.largerThan) && r.largerThan >= 0)) invalidArg(`rules[${i}].largerThan`, r.largerThan, "esperado um inteiro >= 0");
  });
  return rules.map((r) => ({ ...r }));
}

/** A rule in words, in pt-BR as the notebook's drop table shows it. */
function describe(r: FirewallRule | undefined): string {
  if (!r) return "barrar (ação padrão)";
  const parts = [r.from && `de ${r.from}`, r.fromPort !== undefined && `porta ${r.fromPort}`, r.contains !== undefined && `contém ${JSON.stringify(r.contains)}`, r.largerThan !== undefined && `> ${r.largerThan} bytes`].filter(Boolean);
  return `${r.action === "allow" ? "aceitar" : "barrar"} ${parts.join(", ") || "tudo"}`;
}

/**
 * Start a firewall relay on 127.0.0.1 in front of `target`.
 *
 * @param options target, ordered rules, default action, port, name
 * @returns the firewall handle with its drop log
 * @throws CdlabError `ERR_INVALID_ARG`, `ERR_INVALID_CIDR` naming the bad rule
 * @example
 * ```ts
 * const fw = await startFirewall({ target: 7000, rules: [{ action: "allow", fromPort: [1024, 65535] }] });
 * ```
 */
export async function startFirewall(options: FirewallOptions): Promise<Firewall> {
  const rules = checkRules(options?.rules);
  const defaultAction = options.defaultAction ?? "deny";
  if (defaultAction !== "allow" && defaultAction !== "deny") invalidArg("defaultAction", defaultAction, 'esperado "allow" ou "deny"');
  await replaceNamed(options.name);
  const drops: DropRecord[] = [];
  let allowed = 0;
  const relay = await openUdpRelay({
    target: options.target,
    port: options.port,
    inspect: (data, from, direction) => {
      if (direction === "in") return;
      const d = evaluateRules(rules, from, data, defaultAction);
      if (d.action === "allow") {
        allowed++;
        return;
      }
      const text = data.toString("utf8");
      drops.push({ time: new Date().toISOString().slice(11, 23), from: `${from.address}:${from.port}`, bytes: data.length, rule: d.rule, reason: describe(rules[d.rule]), preview: text.length > 40 ? text.slice(0, 37) + "…" : text });
      return { drop: describe(rules[d.rule]) };
    },
  });
  return makeHandle(
    { port: relay.port, drops, stats: () => ({ allowed, dropped: drops.length }) },
    {
      kind: "relay",
      name: options.name,
      label: `firewall 127.0.0.1:${relay.port} → ${relay.target.address}:${relay.target.port}`,
      release: () => relay.close(),
    },
  );
}
