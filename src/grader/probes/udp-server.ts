/**
 * Probe `udpServer({ drop?, reply? })`: a UDP server of the grader's for the
 * cell to talk to (its port is the cell's answer). Result, sent again at each
 * datagram: `{ received, texts }`.
 */
import dgram from "node:dgram";
import type { ProbeKind } from "../probe";

/** A UDP server run by the probe process. */
export interface UdpServerProbeSpec {
  kind: "udp-server";
  /** Datagrams dropped (not answered) first. @default 0 */
  drop?: number;
  /** Answer with the text in upper case, or never. @default "upper" */
  reply?: "upper" | "none";
}

export const probe: ProbeKind<UdpServerProbeSpec> = {
  kind: "udp-server",
  declaration: "udpServer",
  build: (o: Omit<UdpServerProbeSpec, "kind"> = {}) => ({ kind: "udp-server", ...o }),
  run(spec, _target, { report }) {
    let drop = spec.drop ?? 0;
    const state = { received: 0, texts: [] as string[] };
    const s = dgram.createSocket("udp4");
    s.on("message", (msg, rinfo) => {
      state.received++;
      state.texts.push(msg.toString("utf8"));
      report(state);
      if (drop > 0) drop--;
      else if ((spec.reply ?? "upper") === "upper") s.send(msg.toString("utf8").toUpperCase(), rinfo.port, rinfo.address);
    });
    s.on("error", () => {});
    return new Promise((resolve) => s.bind(0, "127.0.0.1", () => (report(state), resolve({ port: s.address().port }))));
  },
};
