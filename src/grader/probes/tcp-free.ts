/** Probe `tcpFree()`: can the probe listen on 127.0.0.1 at the cell's target TCP port? Result: `{ free }`. */
import net from "node:net";
import type { ProbeKind } from "../probe";

/** Is the cell's target TCP port free (nothing listening on it)? */
export interface TcpFreeProbeSpec {
  kind: "tcp-free";
}

export const probe: ProbeKind<TcpFreeProbeSpec> = {
  kind: "tcp-free",
  declaration: "tcpFree",
  build: () => ({ kind: "tcp-free" }),
  async run(_spec, { port }, { report }) {
    if (port === undefined) return undefined;
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    report({ free });
    return {};
  },
};
