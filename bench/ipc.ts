/**
 * IPC benchmark (`npm run bench` calls {@link runIpcBench}): the full "4 copies
 * vs 2 copies" experiment from 1 to 256 MiB (pipe and shared memory next to
 * memcpy measured in the same run), the syscall counts from strace, message
 * queue and semaphore round trips, and the race with and without its semaphore.
 *
 * Run alone: `node dist/bench/ipc.js` (prints the rows as JSON).
 */
import { copyExperiment, MiB } from "../src/lectures/08-memoria-compartilhada/copy-experiment";
import { openMessageQueue } from "../src/ipc/mqueue";
import { ipcBackend } from "../src/ipc/native";
import { raceProcesses, raceThreads } from "../src/lectures/08-memoria-compartilhada/race";
import { openSemaphore } from "../src/ipc/semaphore";
import type { BenchRow } from "./report";

async function queueRoundTrips(n: number): Promise<number> {
  const q = await openMessageQueue();
  try {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      await q.send(1 + (i % 3), "ping");
      await q.receive({ type: -3 });
    }
    return n / ((performance.now() - t) / 1000);
  } finally {
    await q.close();
  }
}

async function semaphoreHandOffs(n: number): Promise<number> {
  const s = await openSemaphore(`/cdlab-bench-${process.pid}-sem`, { value: 0, exclusive: true });
  try {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const w = s.wait();
      if (i % 2 === 0) await new Promise((r) => setImmediate(r)); // half of them really block on the wait thread
      s.post();
      await w;
    }
    return n / ((performance.now() - t) / 1000);
  } finally {
    await s.close();
  }
}

/**
 * Run the IPC benchmark.
 *
 * @returns the rows of the benchmark table (section "ipc") plus the raw results
 * @example
 * ```ts
 * const { rows } = await runIpcBench();
 * ```
 */
export async function runIpcBench(): Promise<{ rows: BenchRow[]; backend: string; raw: Record<string, unknown> }> {
  const rows: BenchRow[] = [];
  const backend = ipcBackend();
  const raw: Record<string, unknown> = {};
  const row = (r: Omit<BenchRow, "section">) => rows.push({ section: "ipc", ...r });
  if (backend !== "native") {
    row({ name: "pipe vs shared memory", value: null, unit: "MiB/s", note: "native IPC addon not built: in-process backend" });
  } else {
    const copy = await copyExperiment({ sizes: [1, 4, 16, 64, 256].map((m) => m * MiB), repeats: 5, straceSize: 16 * MiB });
    raw.copy = copy;
    for (const size of [...new Set(copy.rows.map((r) => r.sizeMiB))]) {
      const by = (m: string) => copy.rows.find((r) => r.sizeMiB === size && r.method === m)!;
      const [pipe, shm, mem] = [by("pipe"), by("shared memory"), by("memcpy")];
      row({ name: `pipe, ${size} MiB (4 copies)`, value: pipe.mibPerS, unit: "MiB/s", reference: mem.mibPerS, referenceName: "memcpy", note: `${pipe.ms} ms` });
      row({ name: `shared memory, ${size} MiB (2 copies)`, value: shm.mibPerS, unit: "MiB/s", reference: pipe.mibPerS, referenceName: "pipe", note: `${shm.ms} ms` });
    }
    for (const s of copy.syscalls) {
      const calls = s.server.data.read + s.server.data.write + s.client.data.read + s.client.data.write;
      row({ name: `${s.method}, ${s.sizeMiB} MiB: data read+write calls (strace)`, value: calls, unit: "calls", note: `copies measured: ${s.copiesMeasured}` });
    }
    const racy = await raceProcesses({ workers: 4, increments: 200_000 });
    const safe = await raceProcesses({ workers: 4, increments: 200_000, useSemaphore: true });
    raw.raceProcesses = [racy, safe];
    row({ name: "race, 4 processes × 200k, no semaphore: lost updates", value: racy.lost, unit: "updates", note: `${racy.ms} ms` });
    row({ name: "race, 4 processes × 200k, semaphore: lost updates", value: safe.lost, unit: "updates", note: `${safe.ms} ms` });
  }
  const racyT = await raceThreads({ workers: 4, increments: 1_000_000 });
  const safeT = await raceThreads({ workers: 4, increments: 1_000_000, useSemaphore: true });
  raw.raceThreads = [racyT, safeT];
  row({ name: "race, 4 threads × 1M, no semaphore: lost updates", value: racyT.lost, unit: "updates", note: `${racyT.ms} ms` });
  row({ name: "race, 4 threads × 1M, Atomics semaphore: lost updates", value: safeT.lost, unit: "updates", note: `${safeT.ms} ms` });
  row({ name: `message queue send+receive (${backend})`, value: Math.round(await queueRoundTrips(20_000)), unit: "round trips/s" });
  row({ name: `named semaphore post→wait hand-off (${backend})`, value: Math.round(await semaphoreHandOffs(2_000)), unit: "hand-offs/s" });
  return { rows, backend, raw };
}

if (require.main === module) {
  runIpcBench().then(
    (r) => process.stdout.write(`${JSON.stringify(r.rows, null, 1)}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
