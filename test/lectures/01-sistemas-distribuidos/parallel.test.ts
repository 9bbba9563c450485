import { expect } from "chai";
import { countPrimesWithThreads, parallelVsDistributed } from "../../../src/lectures/01-sistemas-distribuidos/parallel";
import { resources } from "../../../src/runtime/registry";
import fs from "node:fs";
import { childrenOf } from "../../support/procs";

const cmdline = (pid: number) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { return ""; } };

describe("distributed/parallel", function () {
  this.timeout(20000);
  afterEach(function () {
    expect(resources().filter((r) => /contando primos|coordenador|voluntário/.test(r.label ?? ""))).to.deep.equal([]);
    expect(childrenOf(process.pid).filter((pid) => cmdline(pid).includes("worker-main"))).to.deep.equal([]);
  });

  it("threads sharing memory and processes over sockets find the same count as one thread", async function () {
    const rows = await parallelVsDistributed({ upTo: 100_000, parts: 3 });
    expect(rows.map((r) => r.mode)).to.deep.equal(["sequencial", "threads + SharedArrayBuffer", "processos + sockets"]);
    expect(rows.map((r) => r.count)).to.deep.equal([9592, 9592, 9592]);
    expect(rows[1].parts).to.equal(3);
  });

  it("validates options and honours abort", async function () {
    try {
      await parallelVsDistributed({ parts: 0 });
      expect.fail("no error");
    } catch (e) {
      expect((e as Error).message).to.equal('Opção "parts" inválida (0): deve ser um inteiro de 1 a 32');
    }
    const ac = new AbortController();
    const p = countPrimesWithThreads(50_000_000, 2, { signal: ac.signal });
    ac.abort(new Error("stop"));
    let err: Error | undefined;
    await p.catch((e) => (err = e));
    expect(err?.message).to.equal("stop");
  });
});
