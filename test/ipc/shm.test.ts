import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { programArgs } from "../../src/proc/program";
import { CdlabError } from "../../src/index";
import { openSharedMemory, SharedMemory } from "../../src/ipc/index";
import { ownShmFiles, uniqueName } from "../fixtures/ipc/leaks";
import { BACKENDS, rejection } from "../fixtures/ipc/backends";


for (const backend of BACKENDS) {
  describe(`ipc/shm (${backend})`, () => {
    let opened: SharedMemory[] = [];
    const open = async (name: string, opts: Parameters<typeof openSharedMemory>[1] = {}) => {
      const s = await openSharedMemory(name, { backend, ...opts });
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
      expect(ownShmFiles(), "files left in /dev/shm").to.deep.equal([]);
    });

    it("two mappings of one name share the same bytes", async () => {
      const name = uniqueName("shm");
      const a = await open(name, { size: 4096 });
      const b = await open(name);
      expect([a.owner, b.owner, b.size]).to.deep.equal([true, false, 4096]);
      a.buffer.write("olá, memória", 100);
      expect(b.buffer.toString("utf8", 100, 100 + Buffer.byteLength("olá, memória"))).to.equal("olá, memória");
      b.buffer.writeInt32LE(-7, 0);
      expect(a.buffer.readInt32LE(0)).to.equal(-7);
      if (backend === "native") expect(fs.statSync(`/dev/shm${name}`).size).to.equal(4096);
    });

    it("close() unmaps: the Buffer becomes unusable, not a crash; the owner unlinks", async () => {
      const name = uniqueName("shm");
      const a = await open(name, { size: 1024 });
      const kept = a.buffer;
      kept[0] = 1;
      await a.close();
      await a.close();
      expect(() => a.buffer).to.throw(/fechada/);
      if (backend === "native") {
        expect(kept.length).to.equal(0);
        expect(kept[0]).to.equal(undefined);
      }
      expect((await rejection(open(name, { create: false }))).code).to.equal("ENOENT");
    });

    it("rejects size 0, a negative size, a missing size and a name without a leading slash", async () => {
      for (const size of [0, -1, 1.5, 2 ** 40]) {
        const err = await rejection(open(uniqueName("shm"), { size }));
        expect(err.code).to.equal("ERR_INVALID_ARG");
        expect(err.message).to.match(/"size"/);
      }
      const missing = await rejection(open(uniqueName("shm")));
      expect(missing.message).to.match(/size.*obrigatória/);
      const bad = await rejection(open("cdlab-no-slash", { size: 10 }));
      expect(bad.code).to.equal("ERR_INVALID_ARG");
      expect(bad.message).to.match(/deve começar com "\/"/);
    });

    it("exclusive fails with EEXIST when the segment exists", async () => {
      const name = uniqueName("shm");
      await open(name, { size: 64 });
      expect((await rejection(open(name, { size: 64, exclusive: true }))).code).to.equal("EEXIST");
    });
  });
}

describe("ipc/shm (native, between processes)", function () {
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });

  it("a child process sees and changes the parent's bytes", async () => {
    const name = uniqueName("shm");
    const shm = await openSharedMemory(name, { size: 64, backend: "native" });
    try {
      shm.buffer.writeInt32LE(41, 0);
      execFileSync(process.execPath, [...programArgs(require.resolve("../fixtures/ipc/shm-increment.ts")), name], {
        timeout: 20000,
      });
      expect(shm.buffer.readInt32LE(0)).to.equal(42);
    } finally {
      await shm.close();
    }
    expect(ownShmFiles()).to.deep.equal([]);
  });
});

describe("ipc/copy-experiment", function () {
  this.timeout(30000);
  before(function () {
    if (!BACKENDS.includes("native")) this.skip();
  });

  it("sends a file through a pipe and through shared memory intact; strace counts 4 and 2 copies", async () => {
    const { copyExperiment, copyExperimentChart, straceAvailable, MiB } = require("../../src/lectures/08-memoria-compartilhada/copy-experiment") as typeof import("../../src/lectures/08-memoria-compartilhada/copy-experiment");
    const trace = straceAvailable();
    const r = await copyExperiment({ sizes: [MiB / 2], chunkSize: 64 * 1024, repeats: 1, strace: trace });
    expect(r.rows.map((x) => [x.method, x.copies])).to.deep.equal([["pipe", 4], ["shared memory", 2], ["memcpy", 1]]);
    for (const row of r.rows) expect(row.ms).to.be.greaterThan(0);
    if (trace) {
      const [pipe, shm] = r.syscalls;
      expect([pipe.copiesMeasured, shm.copiesMeasured]).to.deep.equal([4, 2]);
      expect(pipe.server.data.readBytes).to.equal(MiB / 2);
      expect(pipe.client.data.readBytes).to.equal(MiB / 2);
      expect(shm.client.data.read, "the shared memory client reads nothing").to.equal(0);
      expect(shm.server.data.write, "the shared memory server writes nothing").to.equal(0);
      expect(shm.server.data.read, "one read per 64 KiB slot, no end marker").to.equal(8);
    }
    expect(copyExperimentChart(r, { show: false })).to.match(/^<svg/);
    expect(ownShmFiles()).to.deep.equal([]);
    expect(require("node:fs").readdirSync("/dev/shm").filter((f: string) => f.includes(`cdlab-copy-${process.pid}-`))).to.deep.equal([]);
  });

  it("rejects bad sizes naming the option", async () => {
    const { copyExperiment } = require("../../src/lectures/08-memoria-compartilhada/copy-experiment") as typeof import("../../src/lectures/08-memoria-compartilhada/copy-experiment");
    let err: Error | undefined;
    await copyExperiment({ sizes: [0] }).catch((e) => (err = e));
    expect(err?.message).to.match(/"sizes"/);
  });
});
