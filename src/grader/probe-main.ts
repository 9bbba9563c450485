/**
 * The probe process (see probe.ts): reads `{ plan, kernelPid }` (JSON, one
 * line) on stdin, listens on a loopback TCP port, prints `{"port": N}`; for
 * each request `{"name", "port", "pid"}` from a test cell it runs that probe
 * once — the `run` of its kind's module in src/grader/probes/ — prints
 * `{"name", "result"}` for the grader and answers `{"ok": true}` (with a
 * server's port) to the cell.
 */
import net from "node:net";
import readline from "node:readline";
import { probeKinds, type ProbeReply, type ProbeSpec, type ProbeTarget } from "./probe";

const kinds = probeKinds();

/** Run a probe; its result goes to the grader, the returned answer to the cell. */
async function run(name: string, spec: ProbeSpec, target: ProbeTarget, kernelPid: number | undefined): Promise<ProbeReply | undefined> {
  const kind = kinds.get(spec.kind);
  if (!kind) return undefined;
  const report = (result: unknown) => void process.stdout.write(JSON.stringify({ name, result }) + "\n");
  try {
    return await kind.run(spec, target, { report, kernelPid });
  } catch {
    return undefined;
  }
}

/** The cell's target, keeping only integers. */
function targetOf(r: { port?: unknown; pid?: unknown }): ProbeTarget {
  const t: ProbeTarget = {};
  if (Number.isInteger(r.port)) t.port = r.port as number;
  if (Number.isInteger(r.pid)) t.pid = r.pid as number;
  return t;
}

const input = readline.createInterface({ input: process.stdin });
input.once("line", (line) => {
  const { plan, kernelPid } = JSON.parse(line) as { plan: Record<string, ProbeSpec>; kernelPid?: number };
  const done = new Set<string>();
  const server = net.createServer((sock) => {
    const req = readline.createInterface({ input: sock });
    req.once("line", async (l) => {
      let r: { name?: unknown; port?: unknown; pid?: unknown };
      try {
        r = JSON.parse(l);
      } catch {
        return void sock.end("no\n");
      }
      const name = r.name;
      if (typeof name !== "string" || !Object.hasOwn(plan, name) || done.has(name)) return void sock.end("no\n");
      done.add(name);
      const answer = await run(name, plan[name], targetOf(r), kernelPid);
      sock.end(answer ? JSON.stringify({ ok: true, ...answer }) + "\n" : "no\n");
    });
    sock.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + "\n"));
});
// The grader closes our stdin or kills us; either way we go.
process.stdin.on("end", () => {});
