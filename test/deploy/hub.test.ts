// Longer than 300 lines: one real hub serves every scenario of the course server (logins, notebooks, isolation, release/grade, cleanup, culling); starting a hub per file would double its cost
/**
 * The course server (deploy/): a real JupyterHub with N student Unix accounts and an instructor. Students log in,
 * start their servers and run notebook 03 and exercise 02 at the same time through the hub's proxy, as different
 * uids; they do not collide or see each other; a stopped server leaves nothing; the instructor releases, collects
 * and grades. Needs root (accounts, control groups) and JupyterHub (scripts/setup-hub.js installs it): skipped with
 * the reason otherwise. CDLAB_HUB_STUDENTS sets N (default 8). A second, one-student hub with culling timeouts of
 * seconds runs its idle scenario (idleScenario) meanwhile, and the last test checks what it saw.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { KernelAPI, KernelConnection, KernelManager, type Kernel } from "@jupyterlab/services";
import { ROOT } from "../../src/cli/kernelspec";
import { execute } from "../support/jupyter";
import { pollUntil } from "../support/poll";
import { ClassServer, hubUnavailable, pidsOf, request, socketsOf } from "./class-server";

const N = Number(process.env.CDLAB_HUB_STUDENTS ?? 8);

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { nbgrader?: { grade_id?: string; solution?: boolean } };
}
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
const readNb = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Cell[] };
const codeOf = (file: string) => readNb(file).cells.filter((c) => c.cell_type === "code" && src(c).trim()).map(src);

interface IdleObservation {
  kernelCulledAfterS: number;
  serverStoppedAfterS: number;
  left: number[];
  log: string;
}

/**
 * One student on a hub whose culling timeouts are seconds (kernel 20 s, server 5 s; the hub polls every 2 s; the
 * production defaults are 1800, 3600 and 30 s): start the server and a kernel, run a cell, stay connected and do
 * nothing. jupyter_server should shut the kernel down, then the server itself (its check runs once a minute), and the
 * hub should see it stopped and leave none of its processes.
 */
async function idleScenario(h: ClassServer): Promise<IdleObservation> {
  const u = h.students[0];
  const token = await h.token(u);
  await h.spawn(u, token);
  const t0 = Date.now();
  const serverSettings = h.settings(u, token);
  // A bare connection (no KernelManager: its polling of /api/kernels would count as activity).
  const k = new KernelConnection({ model: await KernelAPI.startNew({ name: "cdlab" }, serverSettings), serverSettings });
  try {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${u}'s kernel did not run a cell within 120 s`)), 120_000)));
    const ran = await Promise.race([execute(k, "1 + 1"), late]).finally(() => clearTimeout(timer));
    expect(ran.reply.status).to.equal("ok");
    // no_track_activity: these polls are not activity, or the server would never be idle.
    const kernels = async () => (await request(`${h.url}/user/${u}/api/kernels?no_track_activity=1`, { headers: h.auth(token) })).json<unknown[]>();
    await pollUntil(async () => (await kernels()).length === 0, { timeoutMs: 120_000, intervalMs: 1000, what: `${u}'s idle kernel to be culled` });
    const kernelCulledAfterS = (Date.now() - t0) / 1000;
    await pollUntil(async () => !(await request(`${h.url}/hub/api/users/${u}`, { headers: h.auth(h.adminToken) })).json().servers?.[""], {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: `${u}'s idle server to stop itself`,
    });
    return { kernelCulledAfterS, serverStoppedAfterS: (Date.now() - t0) / 1000, left: pidsOf(h.uid(u)), log: h.hubLog() };
  } finally {
    k.dispose();
  }
}

describe("course server on JupyterHub (deploy/)", function () {
  this.timeout(600_000);
  let hub: ClassServer | undefined;
  let idleHub: ClassServer | undefined;
  let idle: Promise<IdleObservation | Error> | undefined;
  const tokens = new Map<string, string>();
  const managers = new Map<string, KernelManager>();

  async function kernel(user: string): Promise<Kernel.IKernelConnection> {
    let km = managers.get(user);
    if (!km) {
      km = new KernelManager({ serverSettings: hub!.settings(user, tokens.get(user)!) });
      managers.set(user, km);
    }
    const k = await km.startNew({ name: "cdlab" });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${user}'s kernel did not answer within 120 s:\n${hub!.hubLog().slice(-3000)}`)), 120_000);
    });
    await Promise.race([k.info, late]).finally(() => clearTimeout(timer));
    return k;
  }

  /** Run cells in order; returns the first failure ("" when all were ok). */
  async function runCells(k: Kernel.IKernelConnection, cells: string[], what: string): Promise<string> {
    for (const [i, code] of cells.entries()) {
      const r = await execute(k, code);
      const err = r.outputs.find((m) => m.header.msg_type === "error");
      if (r.reply.status !== "ok" || err) return `${what} cell ${i + 1}: ${JSON.stringify(err?.content ?? r.reply).slice(0, 400)}`;
    }
    return "";
  }

  let values = 0;
  async function value(k: Kernel.IKernelConnection, code: string): Promise<unknown> {
    const v = `hubTestValue${++values}`;
    const r = await execute(k, `const ${v}Fn = async () => { ${code} };\nconst ${v} = await ${v}Fn();\nconsole.log("@@" + JSON.stringify(${v}));`);
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@"));
    if (!line) throw new Error(`no result for ${code}: ${JSON.stringify(r.outputs.map((m) => m.content))}`);
    return JSON.parse(line.slice(2));
  }

  const debug = console.debug;
  before(async function () {
    console.debug = () => undefined; // @jupyterlab/services logs every websocket start at debug level
    const reason = hubUnavailable();
    if (reason) {
      console.log(`      course server test skipped: ${reason}`);
      this.skip();
    }
    const idleEnv = { CDLAB_KERNEL_IDLE_SECONDS: "20", CDLAB_SERVER_IDLE_SECONDS: "5", CDLAB_SPAWNER_POLL_SECONDS: "2" };
    const started = ClassServer.start({ students: 1, env: idleEnv }).then((h) => (idleHub = h));
    idle = started.then(idleScenario).catch((e: Error) => e);
    hub = await ClassServer.start({ students: N });
    await started;
  });

  after(async function () {
    for (const km of managers.values()) {
      await km.shutdownAll().catch(() => undefined);
      km.dispose();
    }
    await idle;
    await Promise.all([hub?.stop(), idleHub?.stop()]);
    console.debug = debug;
  });

  it(`${N} students log in through the hub (PAM, their Unix passwords) and get a server with the cdlab kernel and the course notebooks`, async function () {
    const h = hub!;
    const logins = await Promise.all(h.students.map((u) => h.login(u)));
    expect(logins, "the hub's login form accepts every student").to.deep.equal(h.students.map(() => true));
    expect(await h.login(h.students[0], "wrong"), "and refuses a wrong password").to.equal(false);
    expect(await h.login(h.outsider), "and an account outside the students' group").to.equal(false);
    expect(await h.login(h.instructor), "the instructor logs in too").to.equal(true);
    for (const u of h.students) tokens.set(u, await h.token(u));
    await Promise.all(h.students.map((u) => h.spawn(u, tokens.get(u)!)));
    for (const u of h.students) {
      const auth = h.auth(tokens.get(u)!);
      const specs = (await request(`${h.url}/user/${u}/api/kernelspecs`, { headers: auth })).json();
      expect(specs.default, `${u}'s default kernel`).to.equal("cdlab");
      const curso = (await request(`${h.url}/user/${u}/api/contents/curso`, { headers: auth })).json();
      expect(curso.content.map((f: { name: string }) => f.name)).to.include("03-sockets-udp.ipynb");
      const other = h.students.find((x) => x !== u)!;
      expect((await request(`${h.url}/user/${other}/api/contents`, { headers: auth })).status, `${u}'s token opens ${other}'s server`).to.equal(403);
    }
  });

  it(`${N} students run notebook 03 and exercise 02 at the same time, one of them holding ports 6789/7896, without colliding`, async function () {
    const h = hub!;
    const holder = await kernel(h.students[0]);
    const held = await value(
      holder,
      `const dgram = require("node:dgram"), net = require("node:net");
       const u = dgram.createSocket("udp4"); await new Promise((r) => u.bind(6789, "127.0.0.1", r));
       const t = net.createServer(); await new Promise((r) => t.listen(7896, "127.0.0.1", r));
       globalThis.held = [u, t]; return [u.address().port, t.address().port];`,
    );
    expect(held).to.deep.equal([6789, 7896]);
    const lecture = codeOf(path.join(ROOT, "notebooks", "03-sockets-udp.ipynb"));
    const exercise = codeOf(path.join(ROOT, "notebooks", "exercicios", "02-udp.ipynb"));
    const failures = await Promise.all(
      h.students.map(async (u) => {
        const a = await kernel(u);
        const fa = await runCells(a, lecture, `${u} 03-sockets-udp`);
        const b = await kernel(u);
        const fb = await runCells(b, exercise, `${u} exercicios/02-udp`);
        // The same names in /tmp, the same FIFO path and a System V queue in every student's server.
        const probe = await value(
          a,
          `const fs = require("node:fs"), cp = require("node:child_process");
           fs.writeFileSync("/tmp/cdlab-colisao.txt", "${u}");
           cp.execSync("mkfifo /tmp/cdlab-fifo && ipcmk -Q");
           return { uid: process.getuid() };`,
        );
        await Promise.all([a.shutdown(), b.shutdown()]);
        return { u, failure: fa || fb, probe };
      }),
    );
    expect(failures.filter((f) => f.failure).map((f) => f.failure)).to.deep.equal([]);
    expect(new Set(failures.map((f) => (f.probe as { uid: number }).uid)).size, "one uid per student").to.equal(N);
    // After every student wrote them: each still reads its own file and sees only its own queue.
    for (const u of h.students) {
      const k = await kernel(u);
      const seen = await value(
        k,
        `const fs = require("node:fs"), cp = require("node:child_process");
         return [fs.readFileSync("/tmp/cdlab-colisao.txt", "utf8"), fs.statSync("/tmp/cdlab-fifo").isFIFO(), cp.execSync("ipcs -q").toString().trim().split("\\n").filter((l) => /^0x/.test(l)).length];`,
      );
      expect(seen, `${u}'s /tmp and System V queues`).to.deep.equal([u, true, 1]);
      await k.shutdown();
    }
    await execute(holder, "for (const h of held) h.close()");
    await holder.shutdown();
  });

  it("a student cannot read another's home or notebooks, signal their processes, or read the instructor's source", async function () {
    const h = hub!;
    const [a, b] = h.students;
    const kb = await kernel(b);
    const bPid = Number(await value(kb, "return process.pid"));
    const ka = await kernel(a);
    const source = path.join(h.home(h.instructor), "curso", "source", "02-udp", "02-udp.ipynb");
    expect(fs.existsSync(source), "cdlab-course init put the exercise in the instructor's course folder").to.equal(true);
    const tries = await value(
      ka,
      `const fs = require("node:fs");
       const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
       return {
         home: code(() => fs.readdirSync(${JSON.stringify(h.home(b))})),
         notebook: code(() => fs.readFileSync(${JSON.stringify(path.join(h.home(b), "curso", "03-sockets-udp.ipynb"))})),
         signal: code(() => process.kill(${bPid}, "SIGKILL")),
         environ: code(() => fs.readFileSync("/proc/${bPid}/environ")),
         source: code(() => fs.readFileSync(${JSON.stringify(source)})),
         installExercises: code(() => fs.readdirSync(${JSON.stringify(path.join(h.install, "notebooks", "exercicios"))})),
         hubState: code(() => fs.readdirSync(${JSON.stringify(h.state)})),
       };`,
    );
    expect(tries).to.deep.equal({ home: "EACCES", notebook: "EACCES", signal: "EPERM", environ: "EACCES", source: "EACCES", installExercises: "EACCES", hubState: "EACCES" });
    expect(Number(await value(kb, "return process.pid")), "b's kernel is still alive").to.equal(bPid);
    await Promise.all([ka.shutdown(), kb.shutdown()]);
  });

  it("the instructor releases exercise 02 to every student, students submit, the instructor collects and grades", async function () {
    const h = hub!;
    const release = h.course(["release", "02-udp"]);
    expect(release.status, release.stderr + release.stdout).to.equal(0);
    const file = "curso/exercicios/02-udp.ipynb";
    const [solver, idle, editor] = h.students;
    const get = async (u: string) => (await request(`${h.url}/user/${u}/api/contents/${file}?content=1`, { headers: h.auth(tokens.get(u)!) })).json();
    const put = async (u: string, nb: unknown) => {
      const r = await request(`${h.url}/user/${u}/api/contents/${file}`, {
        method: "PUT",
        headers: { ...h.auth(tokens.get(u)!), "Content-Type": "application/json" },
        body: JSON.stringify({ type: "notebook", format: "json", content: nb }),
      });
      expect(r.status, r.body).to.equal(200);
    };
    for (const u of h.students) expect((await get(u)).content.cells.length, `${u} got the exercise`).to.be.greaterThan(0);
    // The solver writes the solutions into the released notebook; the editor only adds a note.
    const solutions = new Map(readNb(path.join(ROOT, "notebooks", "exercicios", "02-udp.ipynb")).cells.filter((c) => c.metadata?.nbgrader?.solution).map((c) => [c.metadata!.nbgrader!.grade_id, src(c)]));
    const mine = (await get(solver)).content;
    for (const c of mine.cells) if (c.metadata?.nbgrader?.solution) c.source = solutions.get(c.metadata.nbgrader.grade_id);
    await put(solver, mine);
    const edited = (await get(editor)).content;
    edited.cells.push({ cell_type: "markdown", metadata: {}, source: "minha anotação" });
    await put(editor, edited);
    // A second release updates untouched copies and never overwrites a student's edit.
    const again = h.course(["release", "02-udp"]);
    expect(again.status, again.stderr).to.equal(0);
    expect((await get(editor)).content.cells.at(-1).source).to.equal("minha anotação");
    expect((await get(solver)).content.cells.map((c: Cell) => c.source)).to.deep.equal(mine.cells.map((c: Cell) => c.source));
    const manifest = JSON.parse(fs.readFileSync(path.join(h.home(editor), ".cdlab", "manifest.json"), "utf8"));
    expect(manifest.files).to.have.property("exercicios/02-udp.ipynb");

    const collect = h.course(["collect", "02-udp"]);
    expect(collect.status, collect.stderr).to.equal(0);
    const submitted = path.join(h.home(h.instructor), "curso", "submitted");
    for (const u of [solver, editor]) expect(fs.existsSync(path.join(submitted, u, "02-udp", "02-udp.ipynb")), `${u}'s submission collected`).to.equal(true);
    expect(fs.existsSync(path.join(submitted, idle)), "an untouched copy of the release is not a submission").to.equal(false);
    expect(collect.stdout).to.include(idle);

    const grade = h.course(["grade", "02-udp"]);
    expect(grade.status, grade.stderr + grade.stdout).to.equal(0);
    // cdlab grade --course: one JSON line per submission, and the gradebook, owned by the instructor.
    const reports = grade.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const gradeOf = (u: string) => reports.find((r) => r.student === u);
    expect(reports.map((r) => r.student).sort(), grade.stdout).to.deep.equal([solver, editor].sort());
    const solved = gradeOf(solver), stubs = gradeOf(editor);
    expect(solved?.score, JSON.stringify(reports)).to.equal(solved?.max_score).and.to.be.greaterThan(0);
    expect(stubs?.score, JSON.stringify(reports)).to.equal(0);
    const gradebook = path.join(h.home(h.instructor), "curso", "gradebook-02-udp.csv");
    expect(fs.readFileSync(gradebook, "utf8")).to.include(solver).and.to.include(editor);
    expect(fs.statSync(gradebook).uid, "the gradebook belongs to the instructor").to.equal(h.uid(h.instructor));
  });

  it("when a student's server stops, none of its processes, ports or IPC objects are left", async function () {
    const h = hub!;
    const u = h.students.at(-1)!;
    const uid = h.uid(u);
    const k = await kernel(u);
    const kpid = Number(
      await value(
        k,
        `const cp = require("node:child_process");
         cp.execSync("ipcmk -Q && ipcmk -M 4096");
         cp.spawn(process.execPath, ["-e", "require('node:dgram').createSocket('udp4').bind(0, '127.0.0.1'); setInterval(() => {}, 1e6)"], { detached: true, stdio: "ignore" }).unref();
         cp.execSync("setsid sh -c 'sleep 1000 &' < /dev/null > /dev/null 2>&1");
         await new Promise((r) => setTimeout(r, 500));
         return process.pid;`,
      ),
    );
    const ipcNs = fs.readlinkSync(`/proc/${kpid}/ns/ipc`);
    expect(socketsOf(uid).some((s) => s.startsWith("udp")), "the daemon's UDP socket").to.equal(true);
    expect(pidsOf(uid).length).to.be.greaterThan(3);
    managers.get(u)?.dispose();
    managers.delete(u);
    await h.stopServer(u);
    expect(pidsOf(uid), "processes of the stopped server").to.deep.equal([]);
    expect(socketsOf(uid), "sockets of the stopped server").to.deep.equal([]);
    const inNs = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return fs.readlinkSync(`/proc/${p}/ns/ipc`) === ipcNs;
      } catch {
        return false;
      }
    });
    expect(inNs, "processes left in the server's IPC namespace (its queues and shared memory die with the last)").to.deep.equal([]);
    expect(fs.existsSync(`/sys/fs/cgroup/memory/cdlab/user-${u}`), "the server's control group").to.equal(false);
  });

  it("an idle kernel, connected or not, is shut down; then the server with no kernel stops itself and the hub cleans up (jupyter_server's culling, as deploy/ sets it)", async function () {
    const seen = await idle!;
    if (seen instanceof Error) throw seen;
    expect(seen.log, "culled while a client was connected (cull_connected)").to.match(/Culling 'idle' kernel .* with 1 connections due to/);
    expect(seen.log).to.match(/No kernels for \d+ seconds; shutting down/);
    expect(seen.left, "processes of the culled server").to.deep.equal([]);
    console.log(`      (kernel culled ${Math.round(seen.kernelCulledAfterS)} s and server stopped ${Math.round(seen.serverStoppedAfterS)} s after the server started)`);
  });
});
