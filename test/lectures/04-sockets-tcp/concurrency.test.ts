import { expect } from "chai";
import { measureConcurrency } from "../../../src/lectures/04-sockets-tcp/concurrency";
import { resources } from "../../../src/runtime/registry";

describe("net/concurrency", function () {
  it("measures every (mode, clients) pair and leaves no server behind", async function () {
    const rows = await measureConcurrency({ clients: [1, 3], cpuMs: 1 });
    expect(rows.map((r) => [r.mode, r.clients])).to.deep.equal([
      ["event-loop", 1],
      ["event-loop", 3],
      ["thread", 1],
      ["thread", 3],
    ]);
    for (const r of rows) expect(r.totalMs).to.be.greaterThan(0);
    expect(resources().filter((r) => r.kind === "tcp-server")).to.deep.equal([]);
  });

  it("validates its options by name", async function () {
    for (const [o, re] of [
      [{ clients: [0] }, /"clients".*\[0\].*: esperada uma lista de inteiros de 1 a 200$/],
      [{ cpuMs: -5 }, /"cpuMs".*-5.*: esperados milissegundos de 0 a 1000$/],
    ] as const) {
      try {
        await measureConcurrency(o as never);
        expect.fail("should throw");
      } catch (e) {
        expect((e as Error).message).to.match(re);
      }
    }
  });
});
