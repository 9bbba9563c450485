/**
 * The kernelspec's start (src/cli/kernelspec.ts, src/jupyter/kernel-snapshot.ts's start script): the process
 * Jupyter starts execs into the kernel, from the snapshot when it can be used, else without it; never a second
 * Node process in between. The shell check and snapshotProblem come from one list and must agree.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { kernelJson } from "../../src/cli/kernelspec";
import { KernelClient } from "../../src/jupyter/kernel-client";
import { minimalEnv } from "../../src/jupyter/launch";
import { binaryId, dropStartEnv, entryHash, nodeCommand, SNAPSHOT_V8_FLAGS, shellCommand, snapshotArgv, snapshotFiles, snapshotProblem, START_ENV, START_ENV_MARK, startScript, withStartEnv, type BlobInfo } from "../../src/jupyter/kernel-snapshot";
import { descendants } from "../../src/proc/tree";
import { PACKAGE_ROOT } from "../../src/runtime/root";

const KERNEL_DIR = path.join(PACKAGE_ROOT, "dist", "kernel");

describe("kernelspec start", function () {
  describe("the start script and snapshotProblem (one list of checks)", function () {
    let dir: string;
    const made: string[] = [];
    const folder = () => {
      const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-start-")));
      made.push(d);
      return d;
    };
    /** A kernel folder with a stub `node` that prints the start's environment and the arguments it gets, a blob, snapshot.js, main.js and start.sh. */
    const install = (d: string) => {
      const node = path.join(d, "node");
      fs.writeFileSync(node, '#!/bin/sh\nprintf "%s\\n" "env:${GLIBC_TUNABLES-}:${CDLAB_KERNEL_START_ENV-}" "$@"\n', { mode: 0o755 });
      for (const f of ["kernel.blob", "snapshot.js", "main.js"]) fs.writeFileSync(path.join(d, f), `// ${f}\n`);
      const files = snapshotFiles(d);
      const info: BlobInfo = { node: process.version, nodeBinary: { path: node, id: binaryId(node) }, entry: entryHash(files.entry), kernelDir: files.kernelDir, inputs: [], v8Flags: [...SNAPSHOT_V8_FLAGS, "--stack-size=900"] };
      fs.writeFileSync(files.info, JSON.stringify(info));
      fs.writeFileSync(files.start, startScript(files, info));
    };
    /** Run the kernelspec's command for the kernel folder `d` with Node `node`: the arguments the stub node got, and snapshotProblem's verdict. */
    const run = (d: string, env: NodeJS.ProcessEnv = {}, node = path.join(d, "node")) => {
      const argv = [node, "--no-force-async-hooks-checks", path.join(d, "main.js"), "--connection-file", "c.json"];
      const cmd = shellCommand(path.join(d, "start.sh"), argv);
      const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
      expect(r.status, r.stderr).to.equal(0);
      const [envLine, ...got] = r.stdout.trimEnd().split("\n");
      const problem = snapshotProblem(snapshotFiles(d), argv.slice(1, 2), env, argv[0]);
      const viaTs = snapshotArgv(argv, env);
      return { got, env: envLine, problem, blob: got.includes("--snapshot-blob"), viaTs, argv };
    };

    beforeEach(function () {
      dir = folder();
      install(dir);
    });
    afterEach(function () {
      for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });

    it("execs the kernel from the blob with exactly snapshotArgv's command line when every check passes", function () {
      const r = run(dir);
      expect(r.problem).to.equal(undefined);
      expect(r.got).to.deep.equal(r.viaTs!.slice(1));
      expect(r.got.slice(0, 5)).to.deep.equal(["--snapshot-blob", path.join(dir, "kernel.blob"), ...SNAPSHOT_V8_FLAGS, "--stack-size=900", "--no-force-async-hooks-checks"], "the V8 flags the blob was built with, then the kernelspec's");
      expect(r.env, "malloc's huge pages for the deserialization, marked as added").to.equal(`env:${START_ENV.GLIBC_TUNABLES}:1`);
      expect(run(dir, { NODE_OPTIONS: "--no-warnings" }).blob, "a Node-only flag").to.equal(true);
      expect(run(dir, { GLIBC_TUNABLES: "glibc.malloc.check=0" }).env, "the user's own tunables are kept").to.equal("env:glibc.malloc.check=0:");
    });

    it("falls back to the plain command, as snapshotProblem does, in every case the blob cannot be used", function () {
      const plain = (why: string, r: ReturnType<typeof run>, reason: RegExp) => {
        expect(r.blob, why).to.equal(false);
        expect(r.got, why).to.deep.equal(r.argv.slice(1));
        expect(r.env, why).to.equal("env::");
        expect(r.problem, why).to.match(reason);
      };
      plain("turned off", run(dir, { CDLAB_KERNEL_SNAPSHOT: "0" }), /^CDLAB_KERNEL_SNAPSHOT=0$/);
      plain("a V8 flag in NODE_OPTIONS", run(dir, { NODE_OPTIONS: "--no-warnings --max-old-space-size=64" }), /^started with --max-old-space-size=64/);
      const node = path.join(dir, "node");
      fs.appendFileSync(node, "# another build of Node\n");
      plain("the recorded Node binary changed (size and mtime)", run(dir), /^built by another Node/);
      install(dir);
      fs.appendFileSync(path.join(dir, "snapshot.js"), "// rebuilt\n");
      plain("snapshot.js changed since the blob", run(dir), /^older than the kernel's build$/);
      install(dir);
      fs.rmSync(path.join(dir, "kernel.blob"));
      plain("no blob", run(dir), /^no snapshot built$/);
    });

    it("an install copied elsewhere (a course server's copy of dist/) falls back until its own blob is built", function () {
      const copy = folder(); // `dir`'s kernel files, blob, description and start.sh copied; the same Node
      for (const f of ["kernel.blob", "snapshot.js", "main.js", "kernel.blob.json", "start.sh"]) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      expect(run(dir).blob, "the original still uses its blob").to.equal(true);
      const r = run(copy, {}, path.join(dir, "node"));
      expect(r.blob).to.equal(false);
      expect(r.problem).to.match(/^built for /);
    });

    it("withStartEnv adds the start's variables only where unset, and dropStartEnv removes only what it added", function () {
      const added = withStartEnv({ PATH: "/bin" });
      expect(added).to.deep.equal({ PATH: "/bin", ...START_ENV, [START_ENV_MARK]: "1" });
      dropStartEnv(added);
      expect(added).to.deep.equal({ PATH: "/bin" });
      const own = withStartEnv({ GLIBC_TUNABLES: "glibc.malloc.check=0" });
      expect(own).to.deep.equal({ GLIBC_TUNABLES: "glibc.malloc.check=0" });
      dropStartEnv(own);
      expect(own).to.deep.equal({ GLIBC_TUNABLES: "glibc.malloc.check=0" });
    });

    it("cdlabKernelArgv's node form is what the shell command wraps", function () {
      const argv = ["/usr/bin/node", "--no-force-async-hooks-checks", "/p/dist/kernel/main.js", "--connection-file", "{connection_file}"];
      expect(nodeCommand(shellCommand("/p/dist/kernel/start.sh", argv))).to.deep.equal(argv);
      expect(nodeCommand(argv)).to.deep.equal(argv);
    });
  });

  describe("a real kernel from the kernelspec's command", function () {
    this.timeout(180_000);
    let kernel: KernelClient | undefined;
    let tmp: string | undefined;
    afterEach(async function () {
      await kernel?.close();
      kernel = undefined;
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      tmp = undefined;
    });

    /** Start the kernel with `argv` (the kernelspec's form), check it is one process, return what the kernel says about itself. */
    async function startOne(argv: string[], env: NodeJS.ProcessEnv = minimalEnv()) {
      kernel = await KernelClient.start({ argv, env, startTimeoutMs: 120_000 });
      const cmdline = fs.readFileSync(`/proc/${kernel.pid}/cmdline`, "utf8").split("\0");
      const environ = fs.readFileSync(`/proc/${kernel.pid}/environ`, "utf8").split("\0");
      const r = await kernel.execute('const s = (globalThis as any)[Symbol.for("cdlab.kernelSnapshot")]; JSON.stringify([process.pid, !!s, process.env.GLIBC_TUNABLES ?? null, process.env.CDLAB_KERNEL_START_ENV ?? null])', { timeoutMs: 120_000 });
      expect(r.status, r.evalue).to.equal("ok");
      const [pid, fromSnapshot, tunables, mark] = JSON.parse(JSON.parse(String((r.outputs[0] as { data: Record<string, string> }).data["text/plain"]).replace(/^'|'$/g, '"')));
      expect(pid, "the process started is the kernel (exec, no launcher)").to.equal(kernel.pid);
      expect(descendants(kernel.pid), "no other process under the kernel").to.deep.equal([]);
      expect(path.basename(fs.readlinkSync(`/proc/${kernel.pid}/exe`))).to.match(/^node/);
      expect([tunables, mark], "a cell's programs do not inherit the start's malloc tuning").to.deep.equal([null, null]);
      return { cmdline, environ, fromSnapshot: fromSnapshot as boolean };
    }

    it("starts ONE node process, from the snapshot", async function () {
      const problem = snapshotProblem(snapshotFiles(KERNEL_DIR), ["--no-force-async-hooks-checks"], {});
      if (problem) return this.skip(); // no usable blob in this checkout (npm run setup builds it)
      const k = await startOne(kernelJson().argv as string[]);
      expect(k.cmdline).to.include("--snapshot-blob");
      expect(k.cmdline, "with the V8 flags the blob was built with").to.include.members([...SNAPSHOT_V8_FLAGS]);
      expect(k.fromSnapshot).to.equal(true);
      expect(k.environ, "started with malloc's huge pages").to.include(`GLIBC_TUNABLES=${START_ENV.GLIBC_TUNABLES}`);
    });

    it("still from the snapshot after a hard link or chmod moved TypeScript's ctime (cp -al, a pnpm store)", async function () {
      const problem = snapshotProblem(snapshotFiles(KERNEL_DIR), ["--no-force-async-hooks-checks"], {});
      if (problem) return this.skip();
      const compiler = require.resolve("typescript");
      const link = path.join(path.dirname(compiler), ".cdlab-link-test");
      const before = fs.statSync(compiler).ctimeMs;
      fs.linkSync(compiler, link); // the link count is inode metadata: ctime moves, size and mtime do not
      fs.unlinkSync(link);
      expect(fs.statSync(compiler).ctimeMs).to.not.equal(before);
      const k = await startOne(kernelJson().argv as string[]);
      expect(k.fromSnapshot, "the blob's TypeScript is still used").to.equal(true);
    });

    it("with CDLAB_KERNEL_SNAPSHOT=0: one node process, without the snapshot", async function () {
      const k = await startOne(kernelJson().argv as string[], { ...minimalEnv(), CDLAB_KERNEL_SNAPSHOT: "0" });
      expect(k.cmdline).to.not.include("--snapshot-blob");
      expect(k.fromSnapshot).to.equal(false);
    });

    it("with another Node binary than the one that built the blob: one node process, without the snapshot", async function () {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-other-node-"));
      const other = path.join(tmp, "node");
      fs.copyFileSync(process.execPath, other);
      fs.chmodSync(other, 0o755);
      const argv = (kernelJson().argv as string[]).map((a) => (a === process.execPath ? other : a));
      const k = await startOne(argv);
      expect(k.cmdline[0]).to.equal(other);
      expect(k.cmdline).to.not.include("--snapshot-blob");
      expect(k.fromSnapshot).to.equal(false);
    });
  });
});
