/** Probe `tcpFree()`: can the probe listen on 127.0.0.1 at the cell's target TCP port? Result: `{ free }` (port/free.ts). */
import { portFreeProbe, type PortFreeProbeSpec } from "./port/free";

/** Is the cell's target TCP port free (nothing listening on it)? */
export type TcpFreeProbeSpec = PortFreeProbeSpec<"tcp">;

export const probe = portFreeProbe("tcp");
