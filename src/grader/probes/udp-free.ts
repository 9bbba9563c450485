/** Probe `udpFree()`: can the probe bind 127.0.0.1 on the cell's target UDP port? Result: `{ free }` (port/free.ts). */
import { portFreeProbe, type PortFreeProbeSpec } from "./port/free";

/** Is the cell's target UDP port free? */
export type UdpFreeProbeSpec = PortFreeProbeSpec<"udp">;

export const probe = portFreeProbe("udp");
