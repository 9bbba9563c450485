/**
 * The warm spare a server starts for its first kernel (kernel/python/cdlab_jupyter/prestart.py,
 * `--SparePrestart.enabled=True`): real `jupyter server`s rooted at a temp folder, kernels started through the REST
 * API the way JupyterLab starts a notebook's (a session), and /proc to see which process is which.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SessionManager } from "@jupyterlab/services";
import { jupyterCommand } from "../../src/cli/jupyter";
import { execute, startServer, type JupyterServer } from "../support/jupyter";
import { pollUntil } from "../support/poll";
import { processesUnder, spareChildren } from "../support/spares";
import { PACKAGE_ROOT } from "../../src/runtime/root";

const STATE_FILE = "cdlab-last-kernel-folder.json";

describe("warm spare for a server's first kernel (SparePrestart)", function () {
  this.timeout(180_000);
  let root: string;
  let runtime: string;
  let servers: JupyterServer[];
  let sessions: SessionManager[];

  const start = async (prestartSpare: boolean, env: NodeJS.ProcessEnv = {}) => {
    const server = await startServer(root, { prestartSpare, env: { JUPYTER_RUNTIME_DIR: runtime, ...env } });
    servers.push(server);
    return server;
  };
  /** Open `notebook` (a path under root) as JupyterLab does: a session, whose kernel is started for the notebook's folder. */
  const open = async (server: JupyterServer, notebook: string) => {
    const manager = new SessionManager({ kernelManager: server.kernels, serverSettings: server.settings });
    sessions.push(manager);
    await manager.ready;
    const session = await manager.startNew({ path: notebook, type: "notebook", name: path.basename(notebook), kernel: { name: "cdlab" } });
    await session.kernel!.info;
    return session;
  };
  const firstSpare = (server: JupyterServer) =>
    pollUntil(() => spareChildren(server.process.pid!)[0], { timeoutMs: 60_000, what: "the prestarted spare" });
  const stopAll = async () => {
    for (const s of sessions.splice(0)) s.dispose();
    for (const s of servers.splice(0)) await s.stop();
  };

  beforeEach(function () {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-prestart-")));
    runtime = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-prestart-rt-"));
    servers = [];
    sessions = [];
  });
  afterEach(async function () {
    await stopAll();
    // No orphan: every kernel and spare of the test ran in a folder under root.
    const left = await pollUntil(() => processesUnder(root).length === 0 || null, { timeoutMs: 10_000, what: "every kernel and spare to exit" }).catch(() => processesUnder(root));
    for (const pid of Array.isArray(left) ? left : []) process.kill(pid, "SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(runtime, { recursive: true, force: true });
    expect(left, "processes left behind").to.equal(true);
  });

  it("starts a spare in root_dir as the server's child, which the first notebook's kernel is; none outlives the server", async function () {
    const server = await start(true);
    const spare = await firstSpare(server);
    expect(fs.readlinkSync(`/proc/${spare}/cwd`)).to.equal(root);
    expect(server.log()).to.match(/cdlab_jupyter: starting a warm spare kernel in .* for the first kernel/);

    const session = await open(server, "aula.ipynb");
    const { reply, outputs } = await execute(session.kernel!, "process.pid");
    expect(reply.status).to.equal("ok");
    const result = outputs.find((m) => m.header.msg_type === "execute_result")!.content as { data: Record<string, string> };
    expect(result.data["text/plain"], "the kernel is the prestarted spare's process").to.equal(String(spare));
    expect(server.log()).to.include(`is the warm spare pid ${spare}`);
    const state = JSON.parse(fs.readFileSync(path.join(runtime, STATE_FILE), "utf8"));
    expect(state, "the launch recorded its folder").to.deep.equal({ cwd: root });

    const next = await pollUntil(() => spareChildren(server.process.pid!).find((p) => p !== spare), { timeoutMs: 60_000, what: "the next spare" });
    await stopAll();
    await pollUntil(() => processesUnder(root).length === 0, { timeoutMs: 10_000, what: `kernel ${spare} and spare ${next} to exit with the server` });
  });

  it("prestarts in the folder of the user's last kernel, unless it is outside root_dir", async function () {
    const exercicios = path.join(root, "exercicios");
    fs.mkdirSync(exercicios);
    const first = await start(false);
    await open(first, "exercicios/lista.ipynb");
    await stopAll();
    expect(JSON.parse(fs.readFileSync(path.join(runtime, STATE_FILE), "utf8"))).to.deep.equal({ cwd: exercicios });

    const second = await start(true);
    expect(fs.readlinkSync(`/proc/${await firstSpare(second)}/cwd`)).to.equal(exercicios);
    await stopAll();

    fs.writeFileSync(path.join(runtime, STATE_FILE), JSON.stringify({ cwd: fs.realpathSync(os.tmpdir()) }));
    const third = await start(true);
    expect(fs.readlinkSync(`/proc/${await firstSpare(third)}/cwd`), "a folder outside root_dir is ignored").to.equal(root);
  });

  it("falls back to root_dir when the remembered folder no longer exists", function () {
    const gone = path.join(root, "apagada");
    fs.writeFileSync(path.join(runtime, STATE_FILE), JSON.stringify({ cwd: gone }));
    const code = "import sys; from cdlab_jupyter.prestart import prestart_folder; print(prestart_folder(sys.argv[1]))";
    const python = path.join(PACKAGE_ROOT, ".venv", "bin", "python");
    const env = { ...process.env, JUPYTER_RUNTIME_DIR: runtime, PYTHONPATH: path.join(PACKAGE_ROOT, "kernel", "python") };
    const run = () => spawnSync(python, ["-c", code, root], { env, encoding: "utf8" });
    let r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(root);
    fs.mkdirSync(gone);
    r = run();
    expect(r.stdout.trim(), "the same file once the folder exists").to.equal(gone);
  });

  it("does not replace the spare of a kernel launched before the prestart's time", function () {
    // The pool of a fresh process: a launch (its claim) first, then the prestart. /bin/sleep stands for a spare.
    const code = [
      "from cdlab_jupyter import provisioner as p",
      "r = p.spare_request(['/bin/sleep', '60'], '/', {})",
      "first = p.schedule_first_spare(r, 60); again = p.schedule_first_spare(r, 60); p.discard_spare()",
      "p._POOL.claim(r.key); after_launch = p.schedule_first_spare(r, 60)",
      "print(first, again, after_launch)",
    ].join("\n");
    const env = { ...process.env, JUPYTER_RUNTIME_DIR: runtime, PYTHONPATH: path.join(PACKAGE_ROOT, "kernel", "python") };
    const r = spawnSync(path.join(PACKAGE_ROOT, ".venv", "bin", "python"), ["-c", code], { env, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim(), "scheduled once; not over a scheduled one; not after a launch").to.equal("True False False");
  });

  it("CDLAB_KERNEL_SPARE=0: no spare is prestarted and the first kernel starts cold", async function () {
    const server = await start(true, { CDLAB_KERNEL_SPARE: "0" });
    await pollUntil(() => server.log().includes("no prestarted spare kernel (CDLAB_KERNEL_SPARE=0)"), { timeoutMs: 60_000, what: "the prestart's decision" });
    expect(spareChildren(server.process.pid!)).to.deep.equal([]);
    await open(server, "aula.ipynb");
    expect(server.log()).to.not.include("is the warm spare");
  });

  it("off (the test servers' default): no spare before the first kernel, which starts cold", async function () {
    const server = await start(false);
    // Absence needs a wait: longer than an enabled server's delay (3 s) plus its spawn.
    const appeared = await pollUntil(() => spareChildren(server.process.pid!)[0], { timeoutMs: 8_000, what: "a spare" }).catch(() => undefined);
    expect(appeared, "no spare").to.equal(undefined);
    expect(server.log()).to.not.include("warm spare kernel");
    await open(server, "aula.ipynb");
    expect(server.log()).to.not.include("is the warm spare");
  });

  it("is on for `cdlab lab` and off for API servers, on request, and without the extension", function () {
    const flag = "--SparePrestart.enabled=True";
    expect(jupyterCommand({ app: "lab", port: 0 }).args).to.include(flag);
    expect(jupyterCommand({ app: "server", port: 0 }).args).to.not.include(flag);
    expect(jupyterCommand({ app: "server", port: 0, prestartSpare: true }).args).to.include(flag);
    expect(jupyterCommand({ app: "lab", port: 0, prestartSpare: false }).args).to.not.include(flag);
    expect(jupyterCommand({ app: "lab", port: 0, noDelay: false }).args).to.not.include(flag);
  });
});
