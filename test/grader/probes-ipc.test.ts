/**
 * The IPC probes of exercises 05 and 07 (src/grader/probes/dir-watch.ts,
 * shm-state.ts, shm-ring.ts): each runs its job in a process of its own, in
 * the mount and IPC namespaces of the process the cell names, and measures
 * real FIFOs, segments and semaphores. The last test runs one against a
 * process in a real sandbox, whose /dev/shm the test process cannot see.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeFifo, openSemaphore, openSharedMemory, type NamedSemaphore, type SharedMemory } from "../../src/ipc";
import { probeKinds, type ProbeKind, type ProbeSpec } from "../../src/grader/probe";
import { runningJobs } from "../../src/grader/probes/ipc/job";
import { createSandbox, sandboxSupport } from "../../src/grader/sandbox";
import { probeSpecs } from "../../src/grader/verdict";
import { pollUntil } from "../support/poll";

/** Run the probe of `kind` declared by `expr` as the probe process would, collecting its reports. */
async function runProbe(expr: string, target: { pid?: number }, kernelPid?: number): Promise<{ answer: unknown; results: unknown[] }> {
  const spec = probeSpecs({ p: expr }).p;
  const kind = probeKinds().get(spec.kind) as ProbeKind<ProbeSpec>;
  const results: unknown[] = [];
  const answer = await kind.run(spec, target, { report: (r) => results.push(r), kernelPid });
  return { answer, results };
}

const jobsDone = () => pollUntil(() => runningJobs.size === 0, { timeoutMs: 15_000, what: "the probe jobs to end" });
const last = <T>(xs: unknown[]) => xs[xs.length - 1] as T;

describe("grader/probes (IPC)", function () {
  this.timeout(60_000);
  const prefix = `/cdlab-probe-${process.pid}`;
  let open: (SharedMemory | NamedSemaphore)[] = [];
  afterEach(async () => {
    for (const h of open) await h.close();
    open = [];
    await jobsDone();
  });

  it("declarations: builders of the three kinds; a bad declaration is a plain error", function () {
    const specs = probeSpecs({
      a: 'dirWatch({ dir: "/tmp/x-{pid}" })',
      b: 'shmState({ segment: "/s-{pid}", semaphores: ["/m-{pid}"] })',
      c: 'shmRing({ prefix: "/r-{pid}", produce: 3 })',
    });
    expect(specs).to.deep.equal({
      a: { kind: "dir-watch", dir: "/tmp/x-{pid}" },
      b: { kind: "shm-state", segment: "/s-{pid}", semaphores: ["/m-{pid}"] },
      c: { kind: "shm-ring", prefix: "/r-{pid}", produce: 3 },
    });
    expect(() => probeSpecs({ a: 'dirWatch({ dir: "tmp" })' })).to.throw("dirWatch: dir must be an absolute path");
    expect(() => probeSpecs({ a: 'shmState({ segment: "s" })' })).to.throw("shmState: segment and semaphores are POSIX names");
    expect(() => probeSpecs({ a: 'shmRing({ prefix: "/r", produce: 1, consume: 1 })' })).to.throw("shmRing: give either produce or consume");
  });

  it("no pid, or a pid outside the kernel's tree: the probe does not run", async function () {
    expect((await runProbe('shmState({ segment: "/x" })', {})).answer).to.equal(undefined);
    expect((await runProbe('shmState({ segment: "/x" })', { pid: 1 }, process.pid)).answer).to.equal(undefined);
  });

  it("dirWatch: sees the FIFOs made in the folder, with their type, and what is left; with ms 0, one look", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-probe-"));
    try {
      const { answer, results } = await runProbe(`dirWatch({ dir: ${JSON.stringify(dir)}, ms: 3000 })`, { pid: process.pid });
      expect(answer).to.deep.equal({});
      expect(results[0]).to.deep.equal({ entries: [], left: [] });
      const fifo = await makeFifo(path.join(dir, "servidor"));
      fs.writeFileSync(path.join(dir, "nota.txt"), "x");
      await pollUntil(() => last<{ entries: unknown[] }>(results).entries.length === 2, { what: "both entries" });
      await fifo.close(); // removes the FIFO
      const end = await pollUntil(() => {
        const r = last<{ entries: { name: string; type: string }[]; left: string[] }>(results);
        return r.left.length === 1 && r;
      }, { what: "the FIFO removed" });
      expect(end).to.deep.equal({ entries: [{ name: "servidor", type: "fifo" }, { name: "nota.txt", type: "file" }], left: ["nota.txt"] });
      const snapshot = await runProbe(`dirWatch({ dir: ${JSON.stringify(dir)}, ms: 0 })`, { pid: process.pid });
      await jobsDone();
      expect(snapshot.results).to.deep.equal([{ entries: [{ name: "nota.txt", type: "file" }], left: ["nota.txt"] }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shmState: a segment's size and Int32 values, semaphores' values, a missing name's error", async function () {
    const shm = await openSharedMemory(`${prefix}-seg`, { size: 16 });
    const sem = await openSemaphore(`${prefix}-sem`, { value: 3 });
    open.push(shm, sem);
    shm.buffer.writeInt32LE(42, 0);
    shm.buffer.writeInt32LE(-7, 8);
    sem.post();
    const { answer, results } = await runProbe(`shmState({ segment: "/cdlab-probe-{pid}-seg", semaphores: ["/cdlab-probe-{pid}-sem", "/cdlab-probe-{pid}-none"], ints: 3 })`, { pid: process.pid });
    expect(answer).to.deep.equal({});
    expect(results).to.deep.equal([
      { segment: { size: 16, ints: [42, 0, -7] }, semaphores: { [`${prefix}-sem`]: 4, [`${prefix}-none`]: { error: "ENOENT" } } },
    ]);
  });

  async function ring(capacity: number) {
    const shm = await openSharedMemory(`${prefix}-buf`, { size: 4 * (2 + capacity) });
    const [empty, full, mutex] = await Promise.all([capacity, 0, 1].map((value, i) => openSemaphore(`${prefix}-${["empty", "full", "mutex"][i]}`, { value })));
    open.push(shm, empty, full, mutex);
    const cells = new Int32Array(shm.buffer.buffer, shm.buffer.byteOffset, 2 + capacity);
    return {
      async take() {
        await full.wait();
        await mutex.wait();
        const item = cells[2 + cells[1]];
        cells[1] = (cells[1] + 1) % capacity;
        mutex.post();
        empty.post();
        return item;
      },
      async put(item: number) {
        await empty.wait();
        await mutex.wait();
        cells[2 + cells[0]] = item;
        cells[0] = (cells[0] + 1) % capacity;
        mutex.post();
        full.post();
      },
      empty,
    };
  }

  it("shmRing: a producer puts random items the test takes; a consumer takes what the test puts", async function () {
    const r = await ring(3);
    const producer = await runProbe(`shmRing({ prefix: "/cdlab-probe-{pid}", produce: 10 })`, { pid: process.pid });
    expect(producer.answer).to.deep.equal({});
    const taken: number[] = [];
    for (let k = 0; k < 10; k++) taken.push(await r.take());
    const made = (await pollUntil(() => (last<{ items: number[] }>(producer.results).items.length === 10 && last<{ items: number[] }>(producer.results)) || undefined, { what: "its last report" })).items;
    expect(taken).to.deep.equal(made).and.have.length(10);
    expect(new Set(made).size, "random items").to.be.greaterThan(1);
    const consumer = await runProbe(`shmRing({ prefix: "/cdlab-probe-{pid}", consume: 7 })`, { pid: process.pid });
    for (let k = 0; k < 7; k++) await r.put(100 + k);
    await pollUntil(() => r.empty.value() === 3, { what: "the consumer to take all" }); // how a cell knows it is done
    await pollUntil(() => last<{ items: number[] }>(consumer.results).items.length === 7, { what: "its last report" });
    expect(last(consumer.results)).to.deep.equal({ items: [100, 101, 102, 103, 104, 105, 106] });
  });

  it("in a sandbox: the job enters the process's mount namespace and uid (its /dev/shm is not ours)", async function () {
    if (!sandboxSupport().ok) this.skip();
    const box = createSandbox();
    const name = `cdlab-probe-box-${process.pid}`;
    // a file of 8 bytes in the sandbox's own /dev/shm: 42 and 7 as little-endian Int32
    const argv = box.command(["/bin/sh", "-c", `printf '\\052\\000\\000\\000\\007\\000\\000\\000' > /dev/shm/${name}; echo $$; exec sleep 60`]);
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "ignore", "pipe"] });
    try {
      (child.stdio[3] as NodeJS.WritableStream).end("{}");
      const inner = Number(await new Promise<string>((resolve) => child.stdout!.once("data", (d) => resolve(String(d)))));
      expect(fs.existsSync(`/dev/shm/${name}`), "not in our /dev/shm").to.equal(false);
      const { results } = await runProbe(`shmState({ segment: "/${name}", ints: 4 })`, { pid: inner }, child.pid);
      expect(results).to.deep.equal([{ segment: { size: 8, ints: [42, 7] }, semaphores: {} }]);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      box.dispose();
    }
  });
});
