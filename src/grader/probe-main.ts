/**
 * The probe process (see probe.ts): reads its plan (JSON, one line) on stdin,
 * listens on a loopback TCP port, prints `{"port": N}`; for each request
 * `{"name", "port"}` from a test cell it runs that probe once against
 * 127.0.0.1:port (or starts the server it declares), prints
 * `{"name", "result"}` for the grader and answers `{"ok": true}` (with the
 * server's port) to the cell.
 */
import dgram from "node:dgram";
import net from "node:net";
import readline from "node:readline";
import type { ProbeSpec, UdpProbeResult, UdpProbeSpec, UdpServerProbeSpec } from "./probe";

function udpOnce(text: string, port: number, timeoutMs: number): Promise<UdpProbeResult[number]> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    const done = (r: UdpProbeResult[number]) => {
      clearTimeout(timer);
      s.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ text: null, length: 0, from: null }), timeoutMs);
    s.on("error", () => done({ text: null, length: 0, from: null }));
    s.on("message", (msg, rinfo) => done({ text: msg.toString("utf8"), length: msg.length, from: rinfo.port }));
    s.bind(0, "127.0.0.1", () => s.send(text, port, "127.0.0.1"));
  });
}

async function runUdp(spec: UdpProbeSpec, port: number): Promise<UdpProbeResult> {
  const ms = spec.timeoutMs ?? 2000;
  if (spec.parallel) return Promise.all(spec.send.map((t) => udpOnce(t, port, ms)));
  const out: UdpProbeResult = [];
  for (const t of spec.send) out.push(await udpOnce(t, port, ms));
  return out;
}

function udpFree(port: number): Promise<{ free: boolean }> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve({ free: false }));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve({ free: true })));
  });
}

function report(name: string, result: unknown): void {
  process.stdout.write(JSON.stringify({ name, result }) + "\n");
}

function udpServer(name: string, spec: UdpServerProbeSpec): Promise<{ port: number }> {
  let drop = spec.drop ?? 0;
  const state = { received: 0, texts: [] as string[] };
  const s = dgram.createSocket("udp4");
  s.on("message", (msg, rinfo) => {
    state.received++;
    state.texts.push(msg.toString("utf8"));
    report(name, state);
    if (drop > 0) drop--;
    else if ((spec.reply ?? "upper") === "upper") s.send(msg.toString("utf8").toUpperCase(), rinfo.port, rinfo.address);
  });
  s.on("error", () => {});
  return new Promise((resolve) => s.bind(0, "127.0.0.1", () => (report(name, state), resolve({ port: s.address().port }))));
}

/** Run a probe; its result goes to the grader, the returned answer to the cell. */
async function run(name: string, spec: ProbeSpec, port: unknown): Promise<{ port?: number } | undefined> {
  if (spec.kind === "udp-server") return udpServer(name, spec);
  if (!Number.isInteger(port)) return undefined;
  if (spec.kind === "udp") report(name, await runUdp(spec, port as number));
  else if (spec.kind === "udp-free") report(name, await udpFree(port as number));
  else return undefined;
  return {};
}

const input = readline.createInterface({ input: process.stdin });
input.once("line", (line) => {
  const plan = JSON.parse(line) as Record<string, ProbeSpec>;
  const done = new Set<string>();
  const server = net.createServer((sock) => {
    const req = readline.createInterface({ input: sock });
    req.once("line", async (l) => {
      let r: { name?: unknown; port?: unknown };
      try {
        r = JSON.parse(l);
      } catch {
        return void sock.end("no\n");
      }
      const name = r.name;
      if (typeof name !== "string" || !Object.hasOwn(plan, name) || done.has(name)) return void sock.end("no\n");
      done.add(name);
      const answer = await run(name, plan[name], r.port);
      sock.end(answer ? JSON.stringify({ ok: true, ...answer }) + "\n" : "no\n");
    });
    sock.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + "\n"));
});
// The grader closes our stdin or kills us; either way we go.
process.stdin.on("end", () => {});
