/**
 * The course server under load (deploy/, a real JupyterHub; root only): the time to spawn one student's server,
 * the memory each active student costs (its control group: anonymous memory + tmpfs), notebooks 03–08 run by
 * several students at once, and a ramp: students join one by one, each runs notebook 03 (UDP sockets) and keeps its
 * kernel; after each join every active student runs a UDP round trip cell at the same time through the hub's proxy.
 * The ramp stops when the slowest of those cells passes 1 s, when the machine's available memory falls under 1 GiB,
 * at 60 students, or after 10 minutes. `--quick`: 10 students at most, notebooks 03–08 by 2 students.
 */
import fs from "node:fs";
import path from "node:path";
import { KernelManager, type Kernel } from "@jupyterlab/services";
import { ROOT } from "../src/cli/kernelspec";
import { ClassServer, hubUnavailable } from "../test/deploy/class-server";
import type { BenchRow } from "./report";

const SECTION = "hub";

function cells(file: string): string[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).filter((s) => s.trim());
}

/** Run one cell; resolves with its reply status ("error" when an error output came) and the error's text. */
async function execute(k: Kernel.IKernelConnection, code: string, timeoutMs = 120_000): Promise<{ status: string; error?: string }> {
  const future = k.requestExecute({ code, stop_on_error: true });
  let error: string | undefined;
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "error") error = `${(msg.content as { ename: string }).ename}: ${(msg.content as { evalue: string }).evalue}`;
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  const reply = await Promise.race([future.done.catch((e: Error) => ({ content: { status: `failed: ${e.message}` } })), late]).finally(() => clearTimeout(timer));
  if (reply === "timeout") {
    future.dispose();
    await k.interrupt().catch(() => undefined);
    return { status: "timeout", error: `no reply within ${timeoutMs} ms` };
  }
  return { status: error ? "error" : (reply as { content: { status: string } }).content.status, error };
}

/** Run a notebook's cells; returns one line per failed cell. */
async function runNotebook(k: Kernel.IKernelConnection, code: string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const [i, c] of code.entries()) {
    const r = await execute(k, c);
    if (r.status !== "ok") failed.push(`cell ${i + 1}: ${(r.error ?? r.status).slice(0, 200)}`);
  }
  return failed;
}

function availableMiB(): number {
  const m = /MemAvailable:\s+(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) / 1024 : Infinity;
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
const MiB = (b: number | null) => (b == null ? null : Math.round(b / 1048576));

/** The hub section of `npm run bench`. */
export async function runHubBench(options: { quick?: boolean; log?: (line: string) => void } = {}): Promise<{ rows: BenchRow[]; raw: unknown }> {
  const log = options.log ?? ((l: string) => process.stderr.write(`[bench] hub: ${l}\n`));
  const why = hubUnavailable();
  if (why) {
    log(`skipped: ${why}`);
    return { rows: [{ section: SECTION, name: "course server", value: null, unit: "", note: `skipped: ${why}` }], raw: { skipped: why } };
  }
  const max = options.quick ? 10 : 60;
  const deadline = Date.now() + 10 * 60_000;
  const hub = await ClassServer.start({ students: max, log });
  const managers: KernelManager[] = [];
  const raw: Record<string, unknown> = {};
  const rows: BenchRow[] = [];
  try {
    const lecture03 = cells(path.join(ROOT, "notebooks", "03-sockets-udp.ipynb"));
    const tokens: string[] = [];
    const kernels: Kernel.IKernelConnection[] = [];
    const spawnMs: number[] = [];
    const memory: number[] = [];
    const ramp: { students: number; rtt_max_ms: number; rtt_median_ms: number; mem_used_mib: number; available_mib: number }[] = [];
    const join = async (i: number) => {
      const u = hub.students[i];
      tokens[i] = await hub.token(u);
      spawnMs.push(await hub.spawn(u, tokens[i]));
      const km = new KernelManager({ serverSettings: hub.settings(u, tokens[i]) });
      managers.push(km);
      const k = await km.startNew({ name: "cdlab" });
      await k.info;
      const failed = await runNotebook(k, lecture03);
      if (failed.length) log(`${u}: notebook 03: ${failed.join("; ")}`);
      await execute(k, `const { udpServer: benchUdpServer, udpRequest: benchUdpRequest } = require("cdlab/net"); const benchEcho = await benchUdpServer({ port: 0 });`);
      kernels[i] = k;
      const m = hub.memoryOf(u);
      if (m != null) memory.push(m);
    };
    let stop = "60 students";
    for (let i = 0; i < max; i++) {
      if (Date.now() > deadline) {
        stop = "10 minutes";
        break;
      }
      if (availableMiB() < 1024) {
        stop = "available memory under 1 GiB";
        break;
      }
      await join(i);
      const rtts = await Promise.all(
        kernels.map(async (k) => {
          const t0 = Date.now();
          await execute(k, `(await benchUdpRequest("ping", { port: benchEcho.port })).text`);
          return Date.now() - t0;
        }),
      );
      const step = { students: i + 1, rtt_max_ms: Math.max(...rtts), rtt_median_ms: median(rtts)!, mem_used_mib: MiB(memory.reduce((a, b) => a + b, 0))!, available_mib: Math.round(availableMiB()) };
      ramp.push(step);
      log(`${step.students} students: round trip through the hub median ${step.rtt_median_ms} ms, max ${step.rtt_max_ms} ms; ${step.available_mib} MiB available`);
      if (step.rtt_max_ms > 1000) {
        stop = "a cell's round trip passed 1 s";
        break;
      }
    }
    if (ramp.length === max) stop = `${max} students (the bound)`;
    raw.ramp = ramp;
    raw.spawn_ms = spawnMs;
    raw.memory_bytes = memory;
    const held = ramp.filter((s) => s.rtt_max_ms <= 1000).at(-1)?.students ?? 0;
    rows.push({ section: SECTION, name: "spawn one student's server (first, idle hub)", value: spawnMs[0] ?? null, unit: "ms" });
    rows.push({ section: SECTION, name: "spawn a student's server (median over the ramp)", value: median(spawnMs), unit: "ms", note: `${spawnMs.length} spawns, one at a time while the others stay active` });
    rows.push({ section: SECTION, name: "memory per active student (server + kernel after notebook 03)", value: MiB(median(memory)), unit: "MiB", note: "cgroup anonymous memory + tmpfs, median" });
    rows.push({ section: SECTION, name: "students held, all running a socket notebook", value: held, unit: "students", note: `ramp stopped at: ${stop}; last round trip max ${ramp.at(-1)?.rtt_max_ms ?? "?"} ms` });

    // Notebooks 03–08 by several students at the same time (fresh kernels).
    const n = Math.min(options.quick ? 2 : 8, kernels.length);
    const files = ["03-sockets-udp", "04-sockets-tcp", "05-processos", "06-pipes-e-fifos", "07-filas-de-mensagens", "08-memoria-compartilhada"].map((f) => path.join(ROOT, "notebooks", `${f}.ipynb`)).filter((f) => fs.existsSync(f));
    for (const k of kernels) await k.shutdown().catch(() => undefined);
    const t0 = Date.now();
    const failures = await Promise.all(
      hub.students.slice(0, n).map(async (u, i) => {
        const k = await managers[i].startNew({ name: "cdlab" });
        const failed: string[] = [];
        for (const f of files) failed.push(...(await runNotebook(k, cells(f))).map((l) => `${u} ${path.basename(f)} ${l}`));
        await k.shutdown();
        return failed;
      }),
    );
    const failed = failures.flat().length;
    for (const l of failures.flat()) log(l);
    raw.notebooks = { students: n, files: files.map((f) => path.basename(f)), ms: Date.now() - t0, failed_cells: failed };
    rows.push({ section: SECTION, name: `notebooks 03–08 by ${n} students at once`, value: Date.now() - t0, unit: "ms", note: `${failed} failed cell(s)` });
  } finally {
    // A kernel connection disposed while a request is pending rejects it: keep that from ending the process first.
    const ignore = () => undefined;
    process.on("unhandledRejection", ignore);
    for (const km of managers) {
      await km.shutdownAll().catch(() => undefined);
      km.dispose();
    }
    await hub.stop();
    process.off("unhandledRejection", ignore);
  }
  return { rows, raw };
}
