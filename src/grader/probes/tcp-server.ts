/**
 * Probe `tcpServer({ framing?, reply? })`: a TCP server of the grader's for
 * the cell's client to talk to (its port is the cell's answer), like the
 * lecture's `TCPServer`: one reader per connection, each frame answered with
 * its text in upper case. Result, sent again at each event:
 * `{ connections, closed, received, texts }` — connections accepted, those
 * the client has closed, frames received, and their texts (the first 100
 * characters of each).
 */
import net from "node:net";
import type { ProbeKind } from "../probe";
import { frameOf, FrameReader, type Framing } from "./tcp-framing";

/** A TCP server run by the probe process. */
export interface TcpServerProbeSpec {
  kind: "tcp-server";
  /** `"utf"`: `writeUTF` / `readUTF` frames; `"line"`: a text and `\n`. @default "utf" */
  framing?: Framing;
  /** Answer each frame with its text in upper case, or never. @default "upper" */
  reply?: "upper" | "none";
}

export const probe: ProbeKind<TcpServerProbeSpec> = {
  kind: "tcp-server",
  declaration: "tcpServer",
  build: (o: Omit<TcpServerProbeSpec, "kind"> = {}) => {
    // english: an exercise author's declaration error, shown to the instructor (cdlab validate/grade), never to a student
    if (o.framing !== undefined && o.framing !== "utf" && o.framing !== "line") throw new TypeError('tcpServer(): framing must be "utf" or "line"');
    return { kind: "tcp-server", ...o };
  },
  run(spec, _target, { report }) {
    const framing = spec.framing ?? "utf";
    const state = { connections: 0, closed: 0, received: 0, texts: [] as string[] };
    const server = net.createServer((sock) => {
      state.connections++;
      report(state);
      const reader = new FrameReader(framing);
      sock.on("data", (d) => {
        reader.push(d);
        for (let f = reader.next(); f; f = reader.next()) {
          const text = f.toString("utf8");
          state.received++;
          state.texts.push(text.slice(0, 100));
          report(state);
          if ((spec.reply ?? "upper") === "upper") sock.write(frameOf(text.toUpperCase(), framing));
        }
      });
      sock.on("end", () => sock.end());
      sock.on("close", () => (state.closed++, report(state)));
      sock.on("error", () => {});
    });
    server.on("error", () => {});
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => (report(state), resolve({ port: (server.address() as net.AddressInfo).port }))));
  },
};
