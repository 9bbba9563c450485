/**
 * The run's leak check (setup.ts, leak-check.ts): a spec that leaves a server and a timer open fails its run,
 * naming both with where they were opened, and the run still ends by itself; the same spec closing them passes.
 * Each case is a child mocha run on a fixture in test/fixtures/leaks/ with the project's .mocharc.json.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "..", "..");
const MOCHA = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");

interface MochaRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runMocha(spec: string): Promise<MochaRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MOCHA, "--config", path.join(ROOT, ".mocharc.json"), "--reporter", "spec", path.join("test", "fixtures", "leaks", spec)],
      // A run that does not end by itself is killed here, and the test fails on the signal.
      { cwd: ROOT, timeout: 45_000, killSignal: "SIGKILL", env: { ...process.env, FORCE_COLOR: "0" } },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, signal: e?.signal ?? null, output: stdout + stderr });
      },
    );
  });
}

describe("leak check (a run that leaves something open fails)", function () {
  this.timeout(60_000);

  it("fails a run that leaks a TCP server and a timer, names both, and the run ends by itself", async () => {
    const run = await runMocha("leaky.spec.ts");
    expect(run.signal, run.output).to.equal(null);
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.include('"after all" hook: leak check: nothing is left open');
    expect(run.output).to.include("Left open after the tests (2)");
    expect(run.output).to.match(/TCP server listening on 127\.0\.0\.1:\d+, listen\(\) called at .*leaky\.spec\.ts:7/);
    expect(run.output).to.match(/timer setInterval\(…, 60000 ms\) created at .*leaky\.spec\.ts:8/);
  });

  it("passes the same spec when it closes what it opens", async () => {
    const run = await runMocha("clean.spec.ts");
    expect(run.signal, run.output).to.equal(null);
    expect(run.code, run.output).to.equal(0);
    expect(run.output).not.to.include("Left open");
    expect(run.output).to.include("1 passing");
  });
});
