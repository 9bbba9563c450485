/**
 * scripts/prune-dist.js on a small project in a temp folder: compiled files whose source is gone leave dist/,
 * everything else (files with a source, the kernel's snapshot blob, start.sh, the build stamp) stays.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "scripts", "prune-dist.js");
const { pruneDist } = require(SCRIPT) as { pruneDist(project: string): { removed: string[]; skipped?: string } };

/** Write `files` (path relative to `dir` → content) under `dir`. */
function write(dir: string, files: string[]): void {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), `// ${f}\n`);
  }
}

/** Every file under `dir`, relative and sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe("scripts/prune-dist", function () {
  let project: string;

  beforeEach(function () {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-prune-"));
  });
  afterEach(function () {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it("removes the compiled files of a source that is gone and the folder it empties; keeps compiled files with a source, the blob, start.sh and the stamp", function () {
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { rootDir: ".", outDir: "dist" }, include: ["src/**/*.ts", "kernel/**/*.ts"] }));
    // Sources: one in src, one in kernel, and one outside "include" that tsc compiles because it is imported.
    write(project, ["src/a.ts", "kernel/kernel.ts", "test/deploy/server.ts"]);
    const kept = [
      ...["src/a", "kernel/kernel", "test/deploy/server"].flatMap((s) => [`${s}.js`, `${s}.js.map`, `${s}.d.ts`]),
      "kernel/kernel.blob",
      "kernel/kernel.blob.json",
      "kernel/start.sh",
      ".build-stamp",
    ];
    const stale = [
      ...["src/gone", "src/grader/probes/old-probe"].flatMap((s) => [`${s}.js`, `${s}.js.map`, `${s}.d.ts`, `${s}.d.ts.map`]),
      "kernel/renamed.js",
    ];
    write(path.join(project, "dist"), [...kept, ...stale]);

    const r = spawnSync(process.execPath, [SCRIPT, project, "--quiet"], { encoding: "utf8" });
    expect(r.stderr).to.equal("");
    expect(r.status).to.equal(0);

    expect(filesUnder(path.join(project, "dist"))).to.deep.equal([...kept].sort());
    expect(fs.existsSync(path.join(project, "dist", "src", "grader")), "folders emptied by the prune go too").to.equal(false);
    expect(filesUnder(project).filter((f) => !f.startsWith("dist"))).to.deep.equal(["kernel/kernel.ts", "src/a.ts", "test/deploy/server.ts", "tsconfig.json"]);
  });

  it("reads a tsconfig.json with comments and \"extends\" as tsc does (rootDir and outDir relative to the file that sets them)", function () {
    write(project, ["config/base.json", "src/a.ts", "build/src/a.js", "build/src/gone.js"]);
    fs.writeFileSync(path.join(project, "config", "base.json"), JSON.stringify({ compilerOptions: { rootDir: "..", outDir: "../build" } }));
    fs.writeFileSync(path.join(project, "tsconfig.json"), '// the project\n{ "extends": "./config/base.json", "include": ["src"] }\n');
    expect(pruneDist(project)).to.deep.equal({ removed: [path.join("build", "src", "gone.js")], skipped: undefined });
    expect(filesUnder(path.join(project, "build"))).to.deep.equal(["src/a.js"]);
  });

  it("removes nothing, and says why, when tsconfig.json has no rootDir (the mapping would be a guess)", function () {
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { outDir: "dist" } }));
    write(project, ["dist/src/gone.js"]);
    const r = pruneDist(project);
    expect(r.removed).to.deep.equal([]);
    expect(r.skipped).to.equal("tsconfig.json has no rootDir");
    expect(filesUnder(path.join(project, "dist"))).to.deep.equal(["src/gone.js"]);
  });

  it("runs after tsc in `npm run build`", function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).to.match(/tsc -p tsconfig\.json && node scripts\/prune-dist\.js( |$)/);
  });
});
