/**
 * Public face of src/vnet: several machines in one notebook. Hosts are Linux network namespaces joined by
 * veth links to a router (the kernel's forwarding, NAT and firewall with nftables, its conntrack table) or a
 * bridge; links can be cut, healed and rate-limited (`tbf`).
 */
export { virtualNetwork } from "./network";
export type { VirtualNetwork, VirtualNetworkOptions, VirtualHost } from "./network";
export { vnetSupport } from "./anchor";
export type { VnetSupport, VnetMode } from "./anchor";
export { Router, parseConntrack, parseRules } from "./router";
export type { ConntrackEntry, ConntrackTuple, FirewallRule, RuleSpec } from "./router";
export type { RateLimit, QueueStats } from "./topology";
