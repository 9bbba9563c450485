/**
 * What `tcpFree()` and `udpFree()` share: can the probe take 127.0.0.1 at the
 * cell's target port (listen for TCP, bind for UDP)? Result: `{ free }`. Each
 * kind's module is one line that names its protocol.
 */
import dgram from "node:dgram";
import net from "node:net";
import type { ProbeKind } from "../../probe";

/** The spec of a port-free probe: `tcp-free` or `udp-free`. */
export interface PortFreeProbeSpec<P extends "tcp" | "udp" = "tcp" | "udp"> {
  kind: `${P}-free`;
}

/** Take `port` on 127.0.0.1 with `protocol` and let it go; false when the system refuses (in use, not allowed). */
function takes(protocol: "tcp" | "udp", port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (protocol === "tcp") {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    } else {
      const s = dgram.createSocket("udp4");
      s.once("error", () => resolve(false));
      s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
    }
  });
}

/**
 * The probe kind that tells whether the cell's target port is free for `protocol`.
 *
 * @param protocol "tcp" (kind `tcp-free`, declared `tcpFree()`) or "udp" (`udp-free`, `udpFree()`)
 * @returns the kind, for its module's `probe` export
 */
export function portFreeProbe<P extends "tcp" | "udp">(protocol: P): ProbeKind<PortFreeProbeSpec<P>> {
  const kind = `${protocol}-free` as const;
  return {
    kind,
    declaration: `${protocol}Free`,
    build: () => ({ kind }),
    async run(_spec, { port }, { report }) {
      if (port === undefined) return undefined;
      report({ free: await takes(protocol, port) });
      return {};
    },
  };
}
