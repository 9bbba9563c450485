/**
 * Where virtual networks run: without the tools the helper says so in one pt-BR line (ERR_NO_NETNS), and as an
 * unprivileged user they run in a user namespace (`unshare --user --net`) where the system allows one.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { descendants, isAlive } from "../../src/proc/tree";
import path from "node:path";
import { vnetSupport } from "../../src/vnet";

const ROOT = path.resolve(__dirname, "../..");

describe("vnet: where it runs", function () {
  this.timeout(30000);

  it("says in one pt-BR line (ERR_NO_NETNS) when namespaces cannot be made, so callers fall back to 127.0.0.1", () => {
    const code = `require("./src/vnet").virtualNetwork({ hosts: ["a"] }).then(() => console.log("made"), (e) => console.log(e.code + " " + e.message))`;
    const r = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", code], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
    const out = r.stdout.trim();
    expect(out.split("\n")).to.have.length(1);
    expect(out).to.match(/^ERR_NO_NETNS Redes virtuais precisam .*127\.0\.0\.1$/);
  });

  it("is off with CDLAB_VNET=0, as where namespaces cannot be made (the notebooks' loopback fallback)", () => {
    const code = `const v = require("./src/vnet"); const s = v.vnetSupport();
      v.virtualNetwork({ hosts: ["a"] }).then(() => console.log("made"), (e) => console.log(JSON.stringify({ available: s.available, reason: s.reason, code: e.code, message: e.message })))`;
    const r = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", code], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CDLAB_VNET: "0" } });
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    const line = "Rede virtual desligada (CDLAB_VNET=0); os exemplos usam 127.0.0.1";
    expect(out).to.deep.equal({ available: false, reason: line, code: "ERR_NO_NETNS", message: line });
  });

  it("runs as an unprivileged user in a user namespace (NAT and conntrack included)", function () {
    if (process.getuid?.() !== 0 || spawnSync("setpriv", ["--version"]).error || !vnetSupport().available) {
      console.log("    (skipped: needs root to become an unprivileged user, setpriv, and namespaces)");
      return this.skip();
    }
    const asNobody = (args: string[]) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, HOME: "/tmp" },
        timeout: 25000,
      });
    if (asNobody(["-e", `require.resolve("tsx/cjs"); require("fs").accessSync(${JSON.stringify(__filename)})`]).status !== 0) {
      console.log(`    (skipped: user nobody cannot read ${ROOT})`);
      return this.skip();
    }
    const r = asNobody(["-r", "tsx/cjs", path.join(__dirname, "fixtures/unprivileged.ts")]);
    const result = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as Record<string, unknown>;
    if (result.error === "ERR_NO_NETNS") {
      console.log(`    (skipped: unprivileged user namespaces are not allowed here: ${String(result.message)})`);
      return this.skip();
    }
    expect(result).to.deep.equal({ uid: 65534, mode: "userns", seen: "10.200.2.1", nat: true });
  });

  it("dies with its kernel even when the kernel is killed with SIGKILL", async function () {
    if (!vnetSupport().available) return this.skip();
    const kernel = spawn(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "fixtures/killed-kernel.ts")], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => kernel.stdout.once("data", resolve));
    const pids = descendants(kernel.pid!);
    expect(pids.length, "the anchor and the program on host a").to.be.at.least(2);
    const exited = new Promise((resolve) => kernel.once("exit", resolve));
    kernel.kill("SIGKILL");
    await exited;
    for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(isAlive)).to.deep.equal([]);
  });
});
