/**
 * kernel/semver-major.ts: while the kernel loads tslab, `semver` is a stand-in that answers `major` (the one call
 * tslab makes) without loading the package's 40 files, and a later `require("semver")` (a cell) gets the real one.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { major } from "../../kernel/semver-major";
import { PACKAGE_ROOT } from "../../src/runtime/root";

describe("kernel/semver-major", function () {
  it("major() reads the major version as semver does", function () {
    expect(major("v20.20.2")).to.equal(20);
    expect(major("18.0.0")).to.equal(18);
    expect(() => major("twenty")).to.throw(TypeError, /Invalid Version/);
  });

  it("tslab's converter loads without semver's files; semver required afterwards is the real package", function () {
    const mod = JSON.stringify(path.join(PACKAGE_ROOT, "dist", "kernel", "semver-major.js"));
    const script = `
      const { withSemverMajor } = require(${mod});
      const semverFiles = () => Object.keys(require.cache).filter((f) => f.includes("/node_modules/semver/")).length;
      const stand = withSemverMajor(() => require("semver"));
      const during = semverFiles();
      const converter = withSemverMajor(() => require("tslab/dist/converter"));
      const after = semverFiles();
      const real = require("semver");
      console.log(JSON.stringify({ during, after, standMajor: stand.major(process.version), standEsModule: stand.__esModule ?? null,
        forwarded: typeof stand.satisfies, converter: typeof converter.createConverter, real: typeof real.satisfies, realIsStand: real === stand }));`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: PACKAGE_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const o = JSON.parse(r.stdout);
    expect(o.during, "the stand-in loads no file of semver").to.equal(0);
    expect(o.after, "nor does tslab's converter through it").to.equal(0);
    expect(o.standMajor).to.equal(Number(process.versions.node.split(".")[0]));
    expect(o.standEsModule, "__importDefault must not see an ES module").to.equal(null);
    expect(o.forwarded, "anything else goes to the real package").to.equal("function");
    expect(o.converter).to.equal("function");
    expect(o.real).to.equal("function");
    expect(o.realIsStand).to.equal(false);
  });
});
