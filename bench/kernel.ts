/**
 * Kernel benchmarks: start → first result, a trivial cell's round trip (p50,
 * p95) and resident memory for cdlab, plain tslab and ipykernel — directly
 * over ZMQ (jupyter_client, bench/kernel_direct.py) and through a Jupyter
 * server's websocket (like JupyterLab), stock server vs cdlab's no-delay one.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../src/cli/kernelspec";
import { percentile, type BenchRow } from "./report";
import { KERNEL_LABEL, KERNELS, makeSpecDir, venvPython, type KernelName } from "./kernelspecs";
import type { Kernel } from "@jupyterlab/services";
import { runCell, startBenchServer } from "./server";

export interface KernelBenchOptions {
  /** Round trips per kernel. @default 200 */
  runs?: number;
  /** Warm-up cells before the timed ones. @default 20 */
  warmup?: number;
  /** Starts per kernel (the median is reported). @default 3 */
  starts?: number;
  /** Also measure through Jupyter servers. @default true */
  server?: boolean;
  log?: (line: string) => void;
}

interface DirectResult {
  kernel: string;
  start_ms: number;
  first_status: string;
  rtt_ms: number[];
  lost_idle: number;
  rss_start_kib: number;
  start_ms_all: number[];
  restart_ms?: number;
  /** cdlab only: start → first result from a warm spare (median, and every start). */
  warm_start_ms?: number | null;
  warm_start_ms_all?: number[];
  /** The other kernels: cold starts timed beside cdlab's warm ones (same load). */
  start_beside_warm_ms?: number | null;
}

interface ServerResult {
  start_ms: number;
  rtt_ms: number[];
  lost_idle: number;
}

/** Run bench/kernel_direct.py and parse its JSON. */
export function runDirect(args: string[], jupyterPath: string): Promise<unknown> {
  const script = path.join(ROOT, "bench", "kernel_direct.py");
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(), [script, ...args], {
      env: { ...process.env, JUPYTER_PATH: jupyterPath, PYTHONUNBUFFERED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`kernel_direct.py ${args.join(" ")} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" / ")}`));
      const line = out.split("\n").find((l) => l.startsWith("CDLAB_BENCH_JSON "));
      try {
        resolve(JSON.parse(line!.slice("CDLAB_BENCH_JSON ".length)));
      } catch {
        reject(new Error(`kernel_direct.py printed no JSON: ${out.slice(0, 200)}`));
      }
    });
  });
}

async function measureThroughServer(noDelay: boolean, kernels: readonly KernelName[], runs: number, warmup: number, starts: number, jupyterPath: string): Promise<Record<string, ServerResult>> {
  const server = await startBenchServer(noDelay, jupyterPath);
  const out: Record<string, ServerResult> = {};
  const live: [KernelName, Kernel.IKernelConnection][] = [];
  try {
    const startsMs: Record<string, number[]> = {};
    for (let rep = 0; rep < starts; rep++) {
      for (const name of kernels) {
        const t0 = performance.now();
        const kernel = await server.kernels.startNew({ name });
        await kernel.info;
        const first = await runCell(kernel, "1 + 1");
        if (first.status !== "ok") throw new Error(`${name}: first cell failed through the server: ${first.status}`);
        (startsMs[name] ??= []).push(performance.now() - t0);
        if (rep === starts - 1) live.push([name, kernel]);
        else {
          await kernel.shutdown();
          kernel.dispose();
        }
      }
    }
    for (const name of kernels) out[name] = { start_ms: percentile(startsMs[name], 50), rtt_ms: [], lost_idle: 0 };
    for (let i = 0; i < warmup; i++) for (const [, kernel] of live) await runCell(kernel, "1");
    // The kernels take turns in blocks of consecutive cells: turns spread the machine's
    // load over every kernel alike, and within a block the cells run back to back as in
    // "Run All" (cell-by-cell turns change the TCP timing: the ~40 ms Nagle/delayed-ACK
    // stall of a stock server then hits some connections and not others).
    const block = 25;
    for (let done = 0; done < runs; done += block) {
      for (const [name, kernel] of live) {
        for (let i = done; i < Math.min(runs, done + block); i++) {
          const t = performance.now();
          const r = await runCell(kernel, "1");
          if (r.lostIdle) out[name].lost_idle++; // its time is the grace period, not a round trip
          else out[name].rtt_ms.push(performance.now() - t);
        }
      }
    }
  } finally {
    for (const [, kernel] of live) {
      await kernel.shutdown().catch(() => undefined);
      kernel.dispose();
    }
    await server.stop();
  }
  return out;
}

const summary = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), n: xs.length });

/** The kernel section: rows for the table, and the raw figures for the JSON. */
export async function runKernelBench(options: KernelBenchOptions = {}): Promise<{ rows: BenchRow[]; raw: unknown }> {
  const { runs = 200, warmup = 20, starts = 3, server = true, log = () => undefined } = options;
  // Direct starts through the warm-spare provisioner (kernel_direct.py turns spares off for all but the warm
  // row); the servers get the plain spec, so no spare loads while their round trips are timed.
  const specs = makeSpecDir({ spare: true });
  const plainSpecs = makeSpecDir();
  try {
    log(`kernel: ${KERNELS.map((k) => KERNEL_LABEL[k]).join(", ")} directly (${starts} start(s) each, ${runs} round trips each, in turns)`);
    const direct = (
      (await runDirect(["rtt", ...KERNELS, "--runs", String(runs), "--warmup", String(warmup), "--starts", String(starts)], specs.jupyterPath)) as {
        kernels: Partial<Record<KernelName, DirectResult>>;
      }
    ).kernels;
    const via: Record<"stock" | "nodelay", Record<string, ServerResult>> = { stock: {}, nodelay: {} };
    if (server) {
      for (const variant of ["stock", "nodelay"] as const) {
        log(`kernel: through a ${variant === "stock" ? "stock" : "cdlab (no-delay)"} Jupyter server`);
        via[variant] = await measureThroughServer(variant === "nodelay", KERNELS, runs, warmup, variant === "nodelay" ? starts : 1, plainSpecs.jupyterPath);
      }
    }
    return { rows: kernelRows(direct, via, runs, starts), raw: { direct, server: via } };
  } finally {
    specs.remove();
    plainSpecs.remove();
  }
}

function kernelRows(
  direct: Partial<Record<KernelName, DirectResult>>,
  via: Record<"stock" | "nodelay", Record<string, ServerResult>>,
  runs: number,
  starts: number,
): BenchRow[] {
  const rows: BenchRow[] = [];
  const section = "kernel";
  const d = (k: KernelName) => direct[k];
  const rtt = (r: { rtt_ms: number[] } | undefined, p: "p50" | "p95") => (r ? summary(r.rtt_ms)[p] : null);
  const lost = (label: string, r: { lost_idle?: number } | undefined) => (r?.lost_idle ? `; ${label} lost ${r.lost_idle} idle status(es), not counted` : "");
  const note = (a: { lost_idle?: number } | undefined, aName: string, b: { lost_idle?: number } | undefined, bName: string) =>
    `n=${runs}${lost(aName, a)}${lost(bName, b)}`;
  // Two honest rows for cdlab: a cold start (no spare: the first start of a folder, or CDLAB_KERNEL_SPARE=0) and a
  // start that claims the warm spare the previous start in that folder left. The others have no spare: their cold starts.
  for (const ref of ["tslab", "python3"] as const) {
    rows.push({
      section, name: "cold start (no spare) → first result (direct)", unit: "ms", note: `median of ${d("cdlab")?.start_ms_all?.length ?? 0}`,
      value: d("cdlab")?.start_ms ?? null, reference: d(ref)?.start_ms ?? null, referenceName: KERNEL_LABEL[ref],
      target: { max: 1.0 },
    });
  }
  for (const ref of ["tslab", "python3"] as const) {
    rows.push({
      section, name: "start from a warm spare → first result (direct)", unit: "ms",
      note: `median of ${d("cdlab")?.warm_start_ms_all?.length ?? 0}, after an unmeasured start; ${KERNEL_LABEL[ref]} cold (it has no spare), timed beside it`,
      value: d("cdlab")?.warm_start_ms ?? null, reference: d(ref)?.start_beside_warm_ms ?? null, referenceName: KERNEL_LABEL[ref],
      target: { max: 1.0 },
    });
  }
  for (const ref of ["tslab", "python3"] as const) {
    rows.push({
      section, name: "restart right after a start: old kernel gone (direct)", unit: "ms", note: `median of ${d("cdlab")?.start_ms_all?.length ?? 0}; target ≤ 300 ms`,
      value: d("cdlab")?.restart_ms ?? null, reference: d(ref)?.restart_ms ?? null, referenceName: KERNEL_LABEL[ref],
    });
  }
  for (const p of ["p50", "p95"] as const) {
    for (const ref of ["tslab", "python3"] as const) {
      rows.push({
        section, name: `trivial cell RTT ${p} (direct)`, unit: "ms", note: note(d("cdlab"), "cdlab", d(ref), KERNEL_LABEL[ref]),
        value: rtt(d("cdlab"), p), reference: rtt(d(ref), p), referenceName: KERNEL_LABEL[ref],
        ...(ref === "tslab" ? { target: { max: 1.1 } } : {}),
      });
    }
  }
  rows.push({
    section, name: "RSS after start", unit: "MiB",
    value: d("cdlab") ? d("cdlab")!.rss_start_kib / 1024 : null,
    reference: d("tslab") ? d("tslab")!.rss_start_kib / 1024 : null, referenceName: KERNEL_LABEL.tslab,
    target: { max: 1.2 }, note: d("python3") ? `ipykernel ${(d("python3")!.rss_start_kib / 1024).toFixed(1)} MiB` : undefined,
  });
  if (Object.keys(via.nodelay).length) {
    for (const p of ["p50", "p95"] as const) {
      for (const k of KERNELS) {
        rows.push({
          section, name: `${KERNEL_LABEL[k]} RTT ${p} via server: no-delay vs stock`, unit: "ms", note: note(via.nodelay[k], "no-delay", via.stock[k], "stock"),
          value: rtt(via.nodelay[k], p), reference: rtt(via.stock[k], p), referenceName: "stock server",
        });
      }
      rows.push({
        section, name: `trivial cell RTT ${p} via no-delay server`, unit: "ms", note: note(via.nodelay.cdlab, "cdlab", via.nodelay.tslab, KERNEL_LABEL.tslab),
        value: rtt(via.nodelay.cdlab, p), reference: rtt(via.nodelay.tslab, p), referenceName: KERNEL_LABEL.tslab, target: { max: 1.1 },
      });
    }
    rows.push({
      section, name: "start → first result via no-delay server", unit: "ms", note: `median of ${starts}`,
      value: via.nodelay.cdlab?.start_ms ?? null, reference: via.nodelay.tslab?.start_ms ?? null, referenceName: KERNEL_LABEL.tslab, target: { max: 1.0 },
    });
  }
  return rows;
}
