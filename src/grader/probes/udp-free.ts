/** Probe `udpFree()`: can the probe bind 127.0.0.1 on the cell's target UDP port? Result: `{ free }`. */
import dgram from "node:dgram";
import type { ProbeKind } from "../probe";

/** Is the cell's target UDP port free? */
export interface UdpFreeProbeSpec {
  kind: "udp-free";
}

export const probe: ProbeKind<UdpFreeProbeSpec> = {
  kind: "udp-free",
  declaration: "udpFree",
  build: () => ({ kind: "udp-free" }),
  async run(_spec, { port }, { report }) {
    if (port === undefined) return undefined;
    const free = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket("udp4");
      s.once("error", () => resolve(false));
      s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    report({ free });
    return {};
  },
};
