/**
 * The layers of .dependency-cruiser.js hold: no cycles, no upward imports, lectures independent of each
 * other, the library independent of kernel/ and bench/. A second test proves the rules bite, on a small
 * tree made for it with one violation of each kind.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const DEPCRUISE = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string, dirs: string[]): Promise<{ code: number; violations: Violation[]; stderr: string }> {
  const config = path.join(ROOT, ".dependency-cruiser.js");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DEPCRUISE, "--config", config, "--output-type", "json", ...dirs],
      { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        let violations: Violation[] = [];
        try {
          violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
        } catch {
          /* reported through stderr below */
        }
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, violations, stderr });
      },
    );
  });
}

describe("architecture (dependency-cruiser)", function () {
  this.timeout(120_000);

  it("src, kernel and bench follow the layer rules", async function () {
    const r = await cruise(ROOT, ["src", "kernel", "bench"]);
    const lines = r.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(lines, r.stderr).to.deep.equal([]);
    expect(r.code, r.stderr).to.equal(0);
  });

  it("the rules catch an upward import, a cycle, a lecture importing another, and the library importing the kernel", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-arch-"));
    try {
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      };
      write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }));
      write("src/runtime/errors.ts", 'import { udp } from "../net/udp";\nexport const e = udp;\n');
      write("src/net/udp.ts", 'import { b } from "./b";\nexport const udp = b;\n');
      write("src/net/b.ts", 'import { udp } from "./udp";\nexport const b = 1; export const c = udp;\n');
      write("src/lectures/01-a/x.ts", 'import { y } from "../02-b/y";\nexport const x = y;\n');
      write("src/lectures/02-b/y.ts", "export const y = 2;\n");
      write("src/ipc/pipe.ts", 'import { k } from "../../kernel/k";\nexport const p = k;\n');
      write("kernel/k.ts", "export const k = 3;\n");
      fs.copyFileSync(path.join(ROOT, ".dependency-cruiser.js"), path.join(dir, ".dependency-cruiser.js"));
      const r = await cruise(dir, ["src", "kernel"]);
      const names = new Set(r.violations.map((v) => v.rule.name));
      expect([...names].sort(), r.stderr).to.include.members([
        "runtime-layer",
        "no-circular",
        "lectures-independent",
        "library-not-kernel-or-bench",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
