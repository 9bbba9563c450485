/**
 * A startup snapshot loads only under the V8 flags it was built with: a kernel started with others (the grader's
 * heap limit where there is no cgroup, --stack-size, NODE_OPTIONS) must run without it, not fail to start.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { snapshotFiles, snapshotProblem } from "../../src/jupyter/kernel-snapshot";

const ROOT = path.resolve(__dirname, "..", "..");
let script = "";
const problem = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [...args, script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", ...env } }).stdout;

describe("kernel/snapshot flags", function () {
  before(() => {
    script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapflags-")), "problem.js");
    const mod = JSON.stringify(path.join(ROOT, "dist", "src", "jupyter", "kernel-snapshot.js"));
    const dir = JSON.stringify(path.join(ROOT, "dist", "kernel"));
    fs.writeFileSync(script, `const k = require(${mod}); process.stdout.write(String(k.snapshotProblem(k.snapshotFiles(${dir}))));`);
  });
  after(() => fs.rmSync(path.dirname(script), { recursive: true, force: true }));

  it("V8 flags on the command line or in NODE_OPTIONS keep the kernel off the snapshot, with the flag named", function () {
    expect(problem(["--max-old-space-size=512"])).to.match(/^started with --max-old-space-size=512/);
    expect(problem(["--stack-size=2000"])).to.match(/^started with --stack-size/);
    expect(problem([], { NODE_OPTIONS: "--max-semi-space-size=64" })).to.match(/^started with --max-semi-space-size/);
  });

  it("a blob built for another folder (an install copied elsewhere) is not used", function () {
    const files = snapshotFiles(path.join(ROOT, "dist", "kernel"));
    if (!fs.existsSync(files.info)) return this.skip();
    const info = JSON.parse(fs.readFileSync(files.info, "utf8"));
    const copy = path.join(path.dirname(script), "blob.json");
    fs.writeFileSync(copy, JSON.stringify({ ...info, kernelDir: "/opt/elsewhere/dist/kernel" }));
    expect(snapshotProblem({ ...files, info: copy }, [], {})).to.equal("built for /opt/elsewhere/dist/kernel");
    const { kernelDir: _gone, ...old } = info;
    fs.writeFileSync(copy, JSON.stringify(old));
    expect(snapshotProblem({ ...files, info: copy }, [], {})).to.equal("built for another folder");
  });

  it("the kernelspec's own flag and Node-only flags do not", function () {
    for (const f of ["--no-force-async-hooks-checks", "--no-warnings", "--enable-source-maps"]) expect(problem([f])).to.not.match(/started with/, f);
  });
});
