// Longer than 300 lines: the copy experiment, the message-queue and semaphore ping-pongs and their C references form one bench section with one shared table
/**
 * IPC benchmark (`npm run bench` calls {@link runIpcBench}): the full "4 copies
 * vs 2 copies" experiment from 1 to 256 MiB (pipe and shared memory next to
 * memcpy and to C doing the same transfer, measured in the same run), the syscall counts from strace, message
 * queue and semaphore ping-pongs between two processes (and two worker threads)
 * next to C programs doing the same (bench/c/ipc-ref.c, compiled with cc and run
 * in the same minutes), and the race with and without its semaphore.
 *
 * Run alone: `node dist/bench/ipc.js` (prints the rows as JSON).
 */
import path from "node:path";
import { copyExperiment, MiB, type CopyExperimentResult } from "../src/lectures/08-memoria-compartilhada/copy-experiment";
import { openMessageQueue } from "../src/ipc/mqueue";
import { ipcBackend } from "../src/ipc/native";
import { raceProcesses, raceThreads } from "../src/lectures/08-memoria-compartilhada/race";
import { openSemaphore } from "../src/ipc/semaphore";
import { run, type RunResult } from "../src/proc/child";
import { compileC } from "../src/proc/compile";
import { entryFile, programArgs, startWorker } from "../src/proc/program";
import { PACKAGE_ROOT } from "../src/runtime/root";
import { percentile, type BenchRow } from "./report";

const PEER = entryFile(__dirname, "ipc-peer-main");

/** The last line a child printed, as JSON (undefined when it printed nothing); throws with its stderr when it failed. */
function output(r: RunResult, what: string): Record<string, number> | undefined {
  if (r.exitCode !== 0) throw new Error(`${what} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  const last = r.stdout.trim().split("\n").pop();
  return last ? (JSON.parse(last) as Record<string, number>) : undefined;
}

/** Run bench/ipc-peer-main.ts as a child process; its `perS` when it is a timed side. */
async function peerProcess(args: string[]): Promise<number | undefined> {
  return output(await run(process.execPath, [...programArgs(PEER), ...args], { timeout: 120_000 }), `ipc peer ${args[0]}`)?.perS;
}

/** Run bench/ipc-peer-main.ts in a worker thread; its `perS` when it is a timed side. */
function peerWorker(args: string[]): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const w = startWorker(PEER, { argv: args });
    let perS: number | undefined;
    w.on("message", (m: { perS: number }) => (perS = m.perS));
    w.once("error", reject);
    w.once("exit", (code) => (code === 0 ? resolve(perS) : reject(new Error(`ipc peer worker ${args[0]} exited with ${code}`))));
  });
}

/**
 * Rounds per second of `round` (this process's async side of a ping-pong) run `n` times, over all but the first
 * 10 % (the peer starting, the code warming up). The peers' sync loop is bench/ipc-peer-main.ts's
 * roundsPerSecond: an await per round there would be timed too.
 */
async function timedRounds(n: number, round: () => Promise<unknown>): Promise<number> {
  const warm = Math.floor(n / 10);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (i === warm) t = performance.now();
    await round();
  }
  return (n - warm) / ((performance.now() - t) / 1000);
}

/**
 * Run the sides of a ping-pong together (this process's async loop, child processes, worker threads). When
 * one fails, `release()` frees the others from their blocking calls (removing the queue ends a msgrcv with
 * EIDRM; enough posts let a semaphore side run to its end: a worker thread blocked in `sem_wait` would even keep
 * this process from exiting), every side is awaited, and the first failure is thrown: never an unhandled
 * rejection that ends the bench before its `finally` removes the queue or the semaphores.
 */
async function together<T>(sides: Promise<T>[], release: () => unknown): Promise<T[]> {
  let first: { error: unknown } | undefined;
  const watched = sides.map((p) =>
    p.catch(async (error: unknown) => {
      if (!first) {
        first = { error };
        await release();
      }
      throw error;
    }),
  );
  const settled = await Promise.allSettled(watched);
  if (first) throw first.error;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Message queue ping-pong, cdlab on both sides: this process (async API) ↔ a child (sync API), and child ↔ child (sync). */
export async function queuePingPongs(n: number): Promise<{ asyncMain: number; syncProcesses: number }> {
  const q = await openMessageQueue();
  try {
    const release = () => q.close(); // removing the queue ends every side's msgrcv (EIDRM, ERR_CLOSED)
    const pingPong = () => timedRounds(n, async () => (await q.send(1, "ping"), await q.receive({ type: 2 })));
    const [asyncMain] = await together([pingPong(), peerProcess(["msg-echo", String(q.id), String(n)])], release);
    const [, ping] = await together([peerProcess(["msg-echo", String(q.id), String(n)]), peerProcess(["msg-ping", String(q.id), String(n)])], release);
    return { asyncMain: asyncMain!, syncProcesses: ping! };
  } finally {
    await q.close();
  }
}

/** Named semaphore ping-pong (2 hand-offs a round): async main ↔ child, child ↔ child, worker ↔ worker (sync API). */
export async function semaphorePingPongs(n: number): Promise<{ asyncMain: number; syncProcesses: number; syncWorkers: number }> {
  const names = [`/cdlab-bench-${process.pid}-a`, `/cdlab-bench-${process.pid}-b`];
  const [a, b] = [await openSemaphore(names[0], { exclusive: true }), await openSemaphore(names[1], { exclusive: true })];
  try {
    // a failed side: enough posts that every other side runs to its end without blocking
    const release = () => {
      for (let i = 0; i < n; i++) a.post(), b.post();
    };
    const pingPong = async () => 2 * (await timedRounds(n, () => (a.post(), b.wait()))); // 2 hand-offs a round
    const [asyncMain] = await together([pingPong(), peerProcess(["sem-echo", ...names, String(n)])], release);
    const [, syncProcesses] = await together([peerProcess(["sem-echo", ...names, String(n)]), peerProcess(["sem-ping", ...names, String(n)])], release);
    const [, syncWorkers] = await together([peerWorker(["sem-echo", ...names, String(n)]), peerWorker(["sem-ping", ...names, String(n)])], release);
    return { asyncMain: asyncMain!, syncProcesses: syncProcesses!, syncWorkers: syncWorkers! };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const cExe = () => compileC(path.join(PACKAGE_ROOT, "bench", "c", "ipc-ref.c"));

/** The C ping-pongs (bench/c/ipc-ref.c, compiled with cc, cached by content). */
export async function cPingPongs(n: number): Promise<{ queue: number; semaphore: number }> {
  const exe = await cExe();
  const queue = output(await run(exe, ["msg-pingpong", String(n)], { timeout: 120_000 }), "ipc-ref msg-pingpong")!.roundTripsPerS;
  const semaphore = output(await run(exe, ["sem-pingpong", String(n)], { timeout: 120_000 }), "ipc-ref sem-pingpong")!.handOffsPerS;
  return { queue, semaphore };
}

/**
 * A C reference by size, MiB/s by size in MiB (median of 5): `memcpy` (memcpy bandwidth), `shm-copy` (the
 * shared-memory path's 2 copies, read into a shared segment then write out, in one process with nothing else)
 * or `shm-pair` (the copy experiment's transfer done in C: server and client processes, 4 slots of 1 MiB, the
 * 2 copies at once on 2 cores).
 */
export async function cCopies(mode: "memcpy" | "shm-copy" | "shm-pair", sizesMiB: number[]): Promise<Map<number, number>> {
  const exe = await cExe();
  const out = new Map<number, number>();
  for (const mib of sizesMiB) out.set(mib, output(await run(exe, [mode, String(mib), "5"], { timeout: 120_000 }), `ipc-ref ${mode}`)!.mibPerS);
  return out;
}

/**
 * The ping-pongs, cdlab's and C's, alternated `trials` times so both see the same load (the machine is
 * shared): the median of each, and every trial.
 */
async function pingPongs(n: number, trials: number) {
  const all: { c: Record<string, number>; mq: Record<string, number>; sem: Record<string, number> }[] = [];
  for (let i = 0; i < trials; i++) all.push({ c: await cPingPongs(n), mq: await queuePingPongs(n), sem: await semaphorePingPongs(n) });
  const med = (part: "c" | "mq" | "sem", key: string) => percentile(all.map((t) => t[part][key]), 50);
  return {
    c: { queue: med("c", "queue"), semaphore: med("c", "semaphore") },
    mq: { asyncMain: med("mq", "asyncMain"), syncProcesses: med("mq", "syncProcesses") },
    sem: { asyncMain: med("sem", "asyncMain"), syncProcesses: med("sem", "syncProcesses"), syncWorkers: med("sem", "syncWorkers") },
    trials: all,
  };
}

/** Send then receive in one process (never blocking). */
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

/** Post then wait in one process, half of the waits really blocking. */
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
export async function runIpcBench(options: { quick?: boolean } = {}): Promise<{ rows: BenchRow[]; backend: string; raw: Record<string, unknown> }> {
  const rows: BenchRow[] = [];
  const backend = ipcBackend();
  const raw: Record<string, unknown> = {};
  const row = (r: Omit<BenchRow, "section">) => rows.push({ section: "ipc", ...r });
  const n = options.quick ? 5_000 : 20_000;
  if (backend !== "native") {
    row({ name: "pipe vs shared memory", value: null, unit: "MiB/s", note: "native IPC addon not built: in-process backend" });
  } else {
    const sizes = [1, 4, 16, 64, 256];
    // Size by size, cdlab's transfer then C's, so that both see the same minutes' load (strace counts at 16 MiB)
    const copy: CopyExperimentResult = { rows: [], syscalls: [], chunkSize: MiB };
    const [memcpy, twoCopies, cPair] = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
    for (const size of sizes) {
      const one = await copyExperiment({ sizes: [size * MiB], repeats: 5, strace: size === 16 ? undefined : false });
      copy.rows.push(...one.rows);
      copy.chunkSize = one.chunkSize;
      copy.syscalls.push(...one.syscalls);
      for (const [mode, into] of [["memcpy", memcpy], ["shm-copy", twoCopies], ["shm-pair", cPair]] as const)
        into.set(size, (await cCopies(mode, [size])).get(size)!);
    }
    raw.copy = copy;
    raw.cMemcpy = Object.fromEntries(memcpy);
    raw.cShmCopy = Object.fromEntries(twoCopies);
    raw.cShmPair = Object.fromEntries(cPair);
    for (const size of [...new Set(copy.rows.map((r) => r.sizeMiB))]) {
      const by = (m: string) => copy.rows.find((r) => r.sizeMiB === size && r.method === m)!;
      const [pipe, shm, mem] = [by("pipe"), by("shared memory"), by("memcpy")];
      const fixed = (r: typeof pipe) => `; cold ${r.coldMs} ms`;
      row({ name: `pipe, ${size} MiB (4 copies)`, value: pipe.mibPerS, unit: "MiB/s", reference: mem.mibPerS, referenceName: "memcpy", note: `${pipe.ms} ms${fixed(pipe)}` });
      row({ name: `shared memory, ${size} MiB (2 copies)`, value: shm.mibPerS, unit: "MiB/s", reference: pipe.mibPerS, referenceName: "pipe", target: { min: 2 }, note: `${shm.ms} ms${fixed(shm)}` });
      const [cMem, cTwo, cBoth] = [memcpy.get(size), twoCopies.get(size), cPair.get(size)];
      const ofMemcpy = (x: number | undefined, what: string) => (x === undefined || cMem === undefined ? "" : `; ${what}: ${(x / cMem).toFixed(2)}× memcpy`);
      if (cMem !== undefined)
        row({ name: `shared memory, ${size} MiB vs C memcpy`, value: shm.mibPerS, unit: "MiB/s", reference: cMem, referenceName: "C memcpy", target: size >= 16 ? { min: 0.4 } : undefined, note: `Buffer.copy: ${mem.mibPerS} MiB/s${ofMemcpy(cBoth, "C's same transfer")}${ofMemcpy(cTwo, "C's 2 copies in one process")}` });
      if (cBoth !== undefined)
        row({ name: `shared memory, ${size} MiB vs C doing the same transfer (2 processes, 4 slots of 1 MiB, 2 semaphores)`, value: shm.mibPerS, unit: "MiB/s", reference: cBoth, referenceName: "C shm pair", note: "what the 2 copies at once reach here in C" });
      if (cTwo !== undefined)
        row({ name: `shared memory, ${size} MiB vs C doing its 2 copies (read into the segment, write out; one process)`, value: shm.mibPerS, unit: "MiB/s", reference: cTwo, referenceName: "C read+write", note: "the 2 copies one after the other, without hand-offs" });
    }
    for (const method of ["pipe", "shared memory"] as const) {
      const rs = copy.rows.filter((r) => r.method === method);
      const worst = rs.reduce((a, b) => ((b.fixedMs ?? 0) > (a.fixedMs ?? 0) ? b : a));
      const most = (k: "startMs" | "firstSetupMs") => Math.max(...rs.map((r) => r[k] ?? 0));
      row({
        name: `${method}: fixed cost per transfer besides process start (setup + start gate), worst size`,
        value: worst.fixedMs ?? null,
        unit: "ms",
        reference: 2,
        referenceName: "budget",
        target: { max: 1 },
        note: `${worst.sizeMiB} MiB: setup ${worst.setupMs} + gate ${worst.wakeMs} ms; apart: process start ≤ ${most("startMs")} ms, a fresh pair's first setup ≤ ${most("firstSetupMs")} ms`,
      });
    }
    for (const s of copy.syscalls) {
      const calls = s.server.data.read + s.server.data.write + s.client.data.read + s.client.data.write;
      row({ name: `${s.method}, ${s.sizeMiB} MiB: data read+write calls (strace)`, value: calls, unit: "calls", note: `copies measured: ${s.copiesMeasured}` });
    }
    const { c: ref, mq, sem, trials } = await pingPongs(n, 3);
    raw.pingPong = { c: ref, queue: mq, semaphore: sem, trials };
    const c = (name: string, value: number, reference: number, unit: string, min: number, note: string) =>
      row({ name, value: Math.round(value), unit, reference: Math.round(reference), referenceName: "C", target: { min }, note });
    c("message queue ping-pong, 2 processes: send/receive (async, main thread) ↔ child (sync)", mq.asyncMain, ref.queue, "round trips/s", 0.5, `type 1 → type 2 reply; median of 3 × ${n}, alternated with C`);
    c("message queue ping-pong, 2 child processes: sendSync/receiveSync", mq.syncProcesses, ref.queue, "round trips/s", 0.5, "type 1 → type 2 reply");
    c("named semaphore ping-pong, 2 processes: wait() (async, main thread) ↔ child (waitSync)", sem.asyncMain, ref.semaphore, "hand-offs/s", 0.25, "post A → wait B");
    c("named semaphore ping-pong, 2 child processes: waitSync", sem.syncProcesses, ref.semaphore, "hand-offs/s", 0.8, "post A → wait B");
    c("named semaphore ping-pong, 2 worker threads: waitSync", sem.syncWorkers, ref.semaphore, "hand-offs/s", 0.8, "post A → wait B");
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
  row({ name: `message queue send+receive, one process (${backend})`, value: Math.round(await queueRoundTrips(20_000)), unit: "round trips/s" });
  row({ name: `named semaphore post→wait hand-off, one process (${backend})`, value: Math.round(await semaphoreHandOffs(2_000)), unit: "hand-offs/s" });
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
