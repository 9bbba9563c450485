import { expect } from "chai";
import path from "node:path";
import { collectStdout } from "../../src/proc/child";
import { entryFile, loaderArgs, programArgs, startProgram, startWorker } from "../../src/proc/program";
import { resources } from "../../src/runtime/registry";
import { descendantWatch, registryWatch } from "./leaks";

const FIXTURES = path.join(__dirname, "..", "fixtures", "proc");

describe("proc/program", () => {
  it("an entry file takes this build's extension; a .ts file gets tsx's loader, a .js file none", () => {
    expect(entryFile("/x", "read-once-main")).to.equal("/x/read-once-main.ts"); // the tests run from source
    expect(loaderArgs("/x/a-main.js")).to.deep.equal([]);
    expect(loaderArgs("/x/a-main.ts")).to.deep.equal(["--require", require.resolve("tsx/cjs")]);
    expect(programArgs("/x/a-main.js")).to.deep.equal(["/x/a-main.js"]);
    expect(programArgs("/x/a-main.ts").slice(-1)).to.deep.equal(["/x/a-main.ts"]);
  });

  it("startProgram runs a TypeScript entry file with its arguments, registered once, and leaves nothing", async () => {
    const procs = descendantWatch();
    const reg = registryWatch(["child-process"]);
    const c = await startProgram(path.join(FIXTURES, "argv-main.ts"), { args: ["a b", "c"] });
    const mine = resources().filter((r) => r.kind === "child-process" && r.label === "node argv-main.ts");
    expect(mine).to.have.length(1);
    expect(JSON.parse(await collectStdout(c))).to.deep.equal(["a b", "c"]);
    expect((await c.result).exitCode).to.equal(0);
    await c.close();
    expect(reg.check()).to.deep.equal([]);
    await procs.check();
  });

  it("startWorker runs a TypeScript entry file in a worker thread", async () => {
    const w = startWorker(path.join(FIXTURES, "double-main.ts"), { workerData: { n: 21 } });
    const answer = await new Promise((resolve, reject) => w.once("message", resolve).once("error", reject));
    expect(answer).to.equal(42);
    await w.terminate();
  });
});
