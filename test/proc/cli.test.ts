import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { startChild } from "../../src/proc/child";

const BIN = path.resolve(__dirname, "..", "..", "bin", "cdlab.js");
const cdlab = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

describe("cdlab proc", () => {
  it("prints a process's attributes; --json gives them as data", async () => {
    const c = await startChild("sleep", { args: ["30"] });
    try {
      const r = cdlab("proc", String(c.pid));
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^PPID:\\n  ${process.pid}$`, "m"));
      expect(r.stdout).to.include("sleep 30");
      const j = JSON.parse(cdlab("proc", String(c.pid), "--json").stdout);
      expect(j).to.include({ pid: c.pid, ppid: process.pid, name: "sleep" });
    } finally {
      await c.close();
    }
  });

  it("a PID that does not exist exits 1 with one line; a bad PID is a usage error", () => {
    const r = cdlab("proc", "4000000");
    expect(r.status).to.equal(1);
    expect(r.stderr.trim()).to.equal("cdlab proc: Nenhum processo com PID 4000000: o processo não existe (já terminou?)");
    expect(cdlab("proc", "abc").status).to.equal(2);
  });
});
