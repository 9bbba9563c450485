import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KernelClient } from "../../src/jupyter/kernel-client";
import { descendants } from "../../src/proc/tree";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "cdlab.js");

function cdlab(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: ROOT });
}

describe("cdlab CLI", function () {
  it("--help lists every command and exits 0", function () {
    const r = cdlab("--help");
    expect(r.status).to.equal(0);
    for (const c of ["install", "lab", "kernel"]) expect(r.stdout).to.match(new RegExp(`^  ${c}\\b`, "m"));
  });

  it("no command prints usage and exits 2", function () {
    const r = cdlab();
    expect(r.status).to.equal(2);
    expect(r.stdout).to.include("Usage: cdlab <command>");
  });

  it("an unknown command exits 2 naming it", function () {
    const r = cdlab("frobnicate");
    expect(r.status).to.equal(2);
    expect(r.stderr.split("\n")[0]).to.equal('cdlab: unknown command "frobnicate"');
  });

  for (const cmd of ["install", "lab", "kernel"]) {
    it(`${cmd} --help prints its usage and exits 0`, function () {
      const r = cdlab(cmd, "--help");
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^Usage: cdlab ${cmd}`));
    });

    it(`${cmd} with an unknown flag is a one-line usage error, exit 2`, function () {
      const r = cdlab(cmd, "--bogus");
      expect(r.status).to.equal(2);
      expect(r.stderr.split("\n")[0]).to.equal(`cdlab ${cmd}: Unknown option '--bogus'`);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });
  }

  it("kernel --connection-file F runs a kernel a client talks to; without the option it is a usage error", async function () {
    this.timeout(120_000);
    const kernel = await KernelClient.start({ argv: [process.execPath, BIN, "kernel", "--connection-file", "{connection_file}"] });
    try {
      const r = await kernel.execute("6 * 7");
      expect(JSON.stringify(r.outputs)).to.include('"text/plain":"42"');
    } finally {
      await kernel.close();
    }
    const bad = cdlab("kernel");
    expect([bad.status, bad.stderr.split("\n")[0]]).to.deep.equal([2, "cdlab kernel: Missing --connection-file"]);
  });

  it("install --prefix DIR writes the kernelspec with absolute paths and both logos", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-prefix-"));
    try {
      const r = cdlab("install", "--prefix", dir);
      expect(r.status, r.stderr).to.equal(0);
      const kdir = path.join(dir, "share", "jupyter", "kernels", "cdlab");
      const spec = JSON.parse(fs.readFileSync(path.join(kdir, "kernel.json"), "utf8"));
      expect(spec.display_name).to.equal("Computação Distribuída (TypeScript)");
      expect(spec.language).to.equal("typescript");
      expect(spec.argv, "the node of this install runs the kernel (behind the start script's shell)").to.include(process.execPath);
      expect(spec.argv).to.include("{connection_file}");
      for (const a of spec.argv.slice(1)) if (a.endsWith(".js")) expect(fs.existsSync(a), a).to.equal(true);
      for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
        const png = fs.readFileSync(path.join(kdir, logo));
        const size = Number(logo.match(/(\d+)x/)![1]);
        expect(png.subarray(1, 4).toString()).to.equal("PNG");
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).to.deep.equal([size, size]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("install refuses two targets at once", function () {
    const r = cdlab("install", "--user", "--sys-prefix");
    expect(r.status).to.equal(2);
    expect(r.stderr.split("\n")[0]).to.equal("cdlab install: Choose one of --user, --sys-prefix, --prefix");
  });

  it("lab starts JupyterLab on 127.0.0.1 with a token, cdlab as default kernel, and stops on SIGINT", async function () {
    this.timeout(150000);
    const child = spawn(process.execPath, [BIN, "lab", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const t = setTimeout(() => reject(new Error(`no URL printed in 120 s:\n${out}`)), 120000);
        child.stdout.on("data", (d) => {
          out += d;
          const m = /JupyterLab: (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]{48})/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
        child.stderr.on("data", () => {});
        child.on("exit", (c) => reject(new Error(`cdlab lab exited ${c}:\n${out}`)));
      });
      const u = new URL(url);
      const token = u.searchParams.get("token");
      const specs = (await (await fetch(`${u.origin}/api/kernelspecs?token=${token}`)).json()) as { default: string; kernelspecs: Record<string, unknown> };
      expect(specs.default).to.equal("cdlab");
      const denied = await fetch(`${u.origin}/api/kernelspecs`);
      expect(denied.status).to.equal(403);
      const contents = (await (await fetch(`${u.origin}/api/contents?token=${token}`)).json()) as { content: { name: string }[] };
      expect(contents.content.map((c) => c.name)).to.include("00-bem-vindo.ipynb");
    } finally {
      const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
      child.kill("SIGINT");
      const kill = setTimeout(() => child.kill("SIGKILL"), 15000);
      const code = await exited;
      clearTimeout(kill);
      expect(code).to.equal(0);
      expect(descendants(child.pid!)).to.deep.equal([]);
    }
  });
});
