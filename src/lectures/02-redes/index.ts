/**
 * Lecture 02 (redes): addressing, a UDP packet layer by layer, switching, ports, NAT, firewall and the
 * interconnection (hub, switch, router) and the characteristics of inter-process communication as helpers — the
 * demos of notebooks/02-redes.ipynb (whose cells write the IPC experiments themselves with node:dgram).
 */
export { parseIPv4, formatIPv4, parseCidr, addressScope, cidrContains } from "./cidr";
export type { CidrInfo, Scope } from "./cidr";
export { buildUdpPacket, parseUdpPacket, internetChecksum, packetFields, packetHexTable, packetSvg, showPacket } from "./packet";
export type { UdpPacketOptions, ParsedUdpPacket, PacketField } from "./packet";
export { simulateSwitching } from "./switching";
export type { SwitchingResult } from "./switching";
export { WELL_KNOWN_PORTS, listeningPorts, decodeProcAddress, portRange, ephemeralPortRange } from "./ports";
export type { WellKnownPort, ListeningPort, PortRange } from "./ports";
export { socketOwners, jupyterKernelPorts, JUPYTER_CHANNELS } from "./port-owners";
export type { SocketOwner } from "./port-owners";
export { makeHub, makeSwitch, makeRouter, BROADCAST_MAC } from "./interconnect";
export type { Frame, Hub, Switch, SwitchDecision, Route, RouteDecision, Router } from "./interconnect";
export { startNat } from "./nat";
export type { Nat, NatEntry, NatOptions } from "./nat";
export { startFirewall, evaluateRules } from "./firewall";
export type { Firewall, FirewallOptions, FirewallRule, DropRecord } from "./firewall";
export type { RelayTarget } from "../../net/udp-relay";
export { syncVsAsync, messageDestinations, reliabilityExperiment, orderingExperiment } from "./ipc-traits";
export type { SyncAsyncResult, DestinationObservation, ReliabilityResult, OrderingResult } from "./ipc-traits";
