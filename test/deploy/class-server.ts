// Longer than 300 lines: the whole class in one harness (install, accounts, hub, login, tokens, spawn, memory, teardown), shared by the hub test and the bench
/**
 * A whole class on a real JupyterHub (deploy/jupyterhub_config.py), for the hub test and `npm run bench`:
 * a student-readable install of cdlab (hard links, without the exercises' solutions), a students' group, N student
 * Unix accounts and an instructor, the hub with its proxy on free ports of 127.0.0.1, and everything removed by
 * `stop()` (servers, processes, users and their homes, control groups, files).
 *
 * @example
 * const hub = await ClassServer.start({ students: 8 });
 * const token = await hub.token(hub.students[0]);
 * await hub.spawn(hub.students[0], token);
 * await hub.stop();
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { ServerConnection } from "@jupyterlab/services";
import { ROOT } from "../../src/cli/kernelspec";
import { pollUntil } from "../support/poll";

// Untyped on purpose (no @types/ws): bench/hub.ts compiles this file with the project's build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require("ws") as typeof globalThis.WebSocket;

export const HUB_VENV = process.env.CDLAB_HUB_VENV ?? "/opt/cdlab-hub/venv";
const BASE = "/var/tmp"; // not /tmp: each student's server gets a private /tmp

/** Why the hub cannot run here (null when it can): root, Linux, JupyterHub and the venv (scripts/setup-hub.js). */
export function hubUnavailable(): string | null {
  if (process.platform !== "linux") return "the course server runs on Linux only";
  if (process.getuid?.() !== 0) return "needs root (creates Unix accounts and control groups): run as root";
  for (const tool of ["useradd", "userdel", "groupadd", "chpasswd"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is missing`;
  }
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "setup-hub.js"), "--quiet", "--no-kernelspec", "--venv", HUB_VENV], { encoding: "utf8" });
  if (r.status !== 0) return `scripts/setup-hub.js could not install what the hub needs: ${(r.stderr || r.stdout).trim().split("\n").pop()}`;
  return null;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request without a keep-alive agent (no pooled socket outlives it). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Every pid whose real uid is `uid`. */
export function pidsOf(uid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${e}/status`, "utf8"));
      if (m && Number(m[1]) === uid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Sockets (TCP listening or UDP bound) owned by `uid`, as "proto port". */
export function socketsOf(uid: number): string[] {
  const out: string[] = [];
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(`/proc/net/${proto}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8 || Number(f[7]) !== uid) continue;
      out.push(`${proto} ${parseInt(f[1].split(":")[1], 16)}`);
    }
  }
  return out;
}

export interface ClassServerOptions {
  students: number;
  /** Memory limit per student (CDLAB_MEM_LIMIT), default 2G. */
  memLimit?: string;
  /** More settings for deploy/ (they win over the defaults), e.g. short culling timeouts. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export class ClassServer {
  /** Every class started and not yet stopped in this process (what a signal handler must tear down). */
  static readonly live = new Set<ClassServer>();
  readonly id = crypto.randomBytes(2).toString("hex");
  readonly dir = fs.mkdtempSync(path.join(BASE, "cdlab-hub-"));
  readonly install = path.join(this.dir, "cdlab");
  readonly published = path.join(this.dir, "publicado");
  readonly state = path.join(this.dir, "state");
  readonly group = `h${this.id}alunos`;
  readonly instructor = `h${this.id}prof`;
  /** An account outside the students' group (PAM accepts its password; the hub must not let it in). */
  readonly outsider = `h${this.id}fora`;
  readonly students: string[] = [];
  readonly adminToken = crypto.randomBytes(24).toString("hex");
  readonly password = crypto.randomBytes(12).toString("hex");
  url = "";
  hub?: ChildProcess;
  private users: string[] = [];
  private logFile = path.join(this.dir, "hub.log");
  private stopped?: Promise<void>;

  private constructor(private readonly options: ClassServerOptions) {
    ClassServer.live.add(this);
  }

  /** Stop every live class (for SIGINT/SIGTERM handlers: the accounts and control groups outlive the process). */
  static async stopAll(): Promise<void> {
    await Promise.all([...ClassServer.live].map((s) => s.stop()));
  }

  static async start(options: ClassServerOptions): Promise<ClassServer> {
    const s = new ClassServer(options);
    try {
      await s.setUp();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  /** The environment deploy/ reads (the same as /etc/default/cdlab-hub in production). */
  env(ports: { hub: number; api: number; internal: number } = { hub: 0, api: 0, internal: 0 }): NodeJS.ProcessEnv {
    return {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      LANG: "C.UTF-8",
      CDLAB_ROOT: this.install,
      CDLAB_HUB_VENV: HUB_VENV,
      CDLAB_HUB_STATE: this.state,
      CDLAB_PUBLISHED: this.published,
      CDLAB_INSTRUCTOR: this.instructor,
      CDLAB_STUDENT_GROUP: this.group,
      CDLAB_JUPYTER_PATH: path.join(this.dir, "kernels", "share", "jupyter"),
      CDLAB_HUB_ADMIN_TOKEN: this.adminToken,
      CDLAB_HUB_BIND: `http://127.0.0.1:${ports.hub}`,
      CDLAB_PROXY_API_PORT: String(ports.api),
      CDLAB_HUB_INTERNAL_PORT: String(ports.internal),
      CDLAB_MEM_LIMIT: this.options.memLimit ?? "2G",
      CDLAB_SPAWN_TIMEOUT: "300", // 8 servers starting at once on a busy 2-core CI machine
      CDLAB_NODE: process.execPath,
      ...this.options.env,
    };
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private makeInstall(): void {
    // What a student's server reads: node_modules hard-linked from this tree, the rest copied (a rebuild of dist/
    // during the run does not reach the copy); the exercises (with solutions) are left out.
    fs.mkdirSync(this.install, { mode: 0o755 });
    sh("cp", ["-al", path.join(ROOT, "node_modules"), this.install]);
    for (const d of ["dist", "build", "bin", "kernel", "src", "deploy", "package.json", "requirements.txt"]) {
      if (fs.existsSync(path.join(ROOT, d))) sh("cp", ["-a", path.join(ROOT, d), this.install]);
    }
    fs.mkdirSync(path.join(this.install, "notebooks"));
    for (const f of fs.readdirSync(path.join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb"))) {
      fs.copyFileSync(path.join(ROOT, "notebooks", f), path.join(this.install, "notebooks", f));
    }
    // The instructor's copy of the exercises, readable by root only until `cdlab-course init` moves them to ~prof/curso.
    fs.mkdirSync(path.join(this.install, "notebooks", "exercicios"), { mode: 0o700 });
    for (const f of fs.readdirSync(path.join(ROOT, "notebooks", "exercicios"))) {
      fs.copyFileSync(path.join(ROOT, "notebooks", "exercicios", f), path.join(this.install, "notebooks", "exercicios", f));
    }
    // The kernel's startup snapshot names the files it was built from: one copied from this tree would load this
    // tree's dist/ (and fail in the grader's sandbox, which sees only the install). Build it for the install, as
    // `npm run setup` does on the server.
    const snapshot = path.join(this.install, "dist", "kernel", "snapshot-build.js");
    if (fs.existsSync(snapshot)) sh(process.execPath, [snapshot, "--if-stale"]);
    sh(process.execPath, [path.join(this.install, "bin", "cdlab.js"), "install", "--prefix", path.join(this.dir, "kernels"), "--python", path.join(HUB_VENV, "bin", "python")]);
    fs.chmodSync(this.dir, 0o755);
  }

  private addUser(name: string, groups: string[]): void {
    sh("useradd", ["-m", "-s", "/bin/bash", ...(groups.length ? ["-G", groups.join(",")] : []), name]);
    this.users.push(name);
  }

  private async setUp(): Promise<void> {
    const t0 = Date.now();
    this.makeInstall();
    sh("groupadd", [this.group]);
    this.addUser(this.instructor, []);
    this.addUser(this.outsider, []);
    for (let i = 1; i <= this.options.students; i++) {
      if (this.stopped) throw new Error("class server stopped while starting");
      const name = `h${this.id}a${String(i).padStart(2, "0")}`;
      this.addUser(name, [this.group]);
      this.students.push(name);
    }
    // Login is PAM, as in production: every account gets the class's password.
    const set = spawnSync("chpasswd", { input: this.users.map((u) => `${u}:${this.password}\n`).join(""), encoding: "utf8" });
    if (set.status !== 0) throw new Error(`chpasswd failed: ${set.stderr}`);
    this.log(`hub: install and ${this.users.length} accounts in ${Date.now() - t0} ms`);
    this.course(["init"]);
    const ports = { hub: await freePort(), api: await freePort(), internal: await freePort() };
    this.url = `http://127.0.0.1:${ports.hub}`;
    fs.mkdirSync(this.state, { recursive: true, mode: 0o700 });
    if (this.stopped) throw new Error("class server stopped while starting");
    const out = fs.openSync(this.logFile, "a");
    this.hub = spawn("jupyterhub", ["-f", path.join(this.install, "deploy", "jupyterhub_config.py")], {
      cwd: this.state,
      env: this.env(ports),
      stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    const hub = this.hub;
    await pollUntil(
      async () => {
        if (hub.exitCode !== null) throw new Error(`jupyterhub exited (${hub.exitCode}):\n${this.hubLog().slice(-3000)}`);
        return (await request(`${this.url}/hub/api/`, { headers: this.auth(this.adminToken) }).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `jupyterhub to answer (log: ${this.logFile})` },
    );
    this.log(`hub: up at ${this.url} after ${Date.now() - t0} ms`);
  }

  hubLog(): string {
    try {
      return fs.readFileSync(this.logFile, "utf8");
    } catch {
      return "";
    }
  }

  auth(token: string): Record<string, string> {
    return { Authorization: `token ${token}` };
  }

  /** deploy/cdlab-course as root, with this class's settings. */
  course(args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync("/usr/bin/python3", ["-m", "cdlab_hub.course", ...args], {
      cwd: path.join(this.install, "deploy"),
      env: this.env(),
      encoding: "utf8",
      timeout: 300_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  uid(user: string): number {
    return Number(sh("id", ["-u", user]).trim());
  }

  home(user: string): string {
    return sh("getent", ["passwd", user]).split(":")[5];
  }

  /** The hub's login form (PAM: the Unix password chpasswd gave every account): true when the hub set a login cookie. */
  async login(user: string, password = this.password): Promise<boolean> {
    const body = new URLSearchParams({ username: user, password }).toString();
    const r = await request(`${this.url}/hub/login`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
    const cookies = ([] as string[]).concat(r.headers["set-cookie"] ?? []);
    return r.status === 302 && cookies.some((c) => c.startsWith("jupyterhub-session-id") || c.startsWith("jupyterhub-hub-login"));
  }

  /** An API token for `user`, made by the admin service after the user logged in (which adds them to the hub). */
  async token(user: string): Promise<string> {
    if (!(await this.login(user))) throw new Error(`${user} could not log in to the hub`);
    const r = await request(`${this.url}/hub/api/users/${user}/tokens`, {
      method: "POST",
      headers: { ...this.auth(this.adminToken), "Content-Type": "application/json" },
      body: JSON.stringify({ note: "cdlab test", expires_in: 3600 }),
    });
    if (r.status !== 201 && r.status !== 200) throw new Error(`token for ${user}: HTTP ${r.status} ${r.body}`);
    return r.json().token as string;
  }

  /** Start `user`'s server with the user's own token and wait until the hub says it is ready; returns the ms taken. */
  async spawn(user: string, token: string, timeoutMs = 320_000): Promise<number> {
    const t0 = Date.now();
    const r = await request(`${this.url}/hub/api/users/${user}/server`, { method: "POST", headers: this.auth(token) });
    if (r.status !== 201 && r.status !== 202) throw new Error(`spawn ${user}: HTTP ${r.status} ${r.body}`);
    await pollUntil(
      async () => {
        const server = (await request(`${this.url}/hub/api/users/${user}`, { headers: this.auth(this.adminToken) })).json().servers?.[""];
        if (!server?.pending && !server?.ready && Date.now() - t0 > 5000) throw new Error(`${user}'s server stopped while starting:\n${this.hubLog().slice(-3000)}`);
        return server?.ready;
      },
      { timeoutMs, intervalMs: 250, what: `${user}'s server to be ready` },
    );
    return Date.now() - t0;
  }

  /** Stop `user`'s server through the hub and wait until it is gone. */
  async stopServer(user: string): Promise<void> {
    await request(`${this.url}/hub/api/users/${user}/server`, { method: "DELETE", headers: this.auth(this.adminToken) });
    await pollUntil(async () => !(await request(`${this.url}/hub/api/users/${user}`, { headers: this.auth(this.adminToken) })).json().servers?.[""], {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${user}'s server to stop`,
    });
  }

  /** @jupyterlab/services settings for `user`'s server, through the hub's proxy. */
  settings(user: string, token: string): ServerConnection.ISettings {
    const baseUrl = `${this.url}/user/${user}/`;
    return ServerConnection.makeSettings({
      baseUrl,
      wsUrl: baseUrl.replace(/^http/, "ws"),
      token,
      appendToken: true,
      WebSocket,
    });
  }

  /** Memory charged to `user`'s control group (cgroup v1 memory.stat: anonymous rss + shmem/tmpfs), or null. */
  memoryOf(user: string): number | null {
    for (const file of [`/sys/fs/cgroup/memory/cdlab/user-${user}/memory.stat`, `/sys/fs/cgroup/cdlab/user-${user}/memory.stat`]) {
      try {
        const stat = Object.fromEntries(fs.readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
        if ("total_rss" in stat) return stat.total_rss + (stat.total_shmem ?? 0);
        if ("anon" in stat) return stat.anon + (stat.shmem ?? 0);
      } catch {
        /* no group */
      }
    }
    return null;
  }

  /** Stop the hub (it stops every server), then remove every trace: processes, accounts, homes, groups, files. Once only. */
  stop(): Promise<void> {
    return (this.stopped ??= this.tearDown().finally(() => ClassServer.live.delete(this)));
  }

  private async tearDown(): Promise<void> {
    const hub = this.hub;
    if (hub && hub.exitCode === null && hub.signalCode === null) {
      const exited = new Promise((r) => hub.once("exit", r));
      hub.kill("SIGTERM");
      const t = setTimeout(() => hub.kill("SIGKILL"), 60_000);
      await exited;
      clearTimeout(t);
    }
    try {
      const pid = Number(fs.readFileSync(path.join(this.state, "proxy.pid"), "utf8"));
      if (pid) process.kill(pid, "SIGKILL");
    } catch {
      /* no proxy left */
    }
    for (const u of this.users) {
      let uid: number;
      try {
        uid = this.uid(u);
      } catch {
        continue;
      }
      const killAll = () => {
        for (const p of pidsOf(uid)) {
          try {
            process.kill(p, "SIGKILL");
          } catch {
            /* gone */
          }
        }
        return pidsOf(uid).length === 0;
      };
      await pollUntil(killAll, { timeoutMs: 5000, intervalMs: 50, what: `${u}'s processes to end` }).catch(() => undefined);
      spawnSync("userdel", ["-r", u], { encoding: "utf8" });
      for (const c of ["memory/cdlab", "pids/cdlab", "cpu/cdlab", "cdlab"]) {
        try {
          fs.rmdirSync(`/sys/fs/cgroup/${c}/user-${u}`);
        } catch {
          /* none */
        }
      }
    }
    for (const c of ["memory/cdlab", "pids/cdlab", "cpu/cdlab", "cdlab"]) {
      try {
        fs.rmdirSync(`/sys/fs/cgroup/${c}`); // the parent, when no other class is running
      } catch {
        /* busy or none */
      }
    }
    spawnSync("groupdel", [this.group]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
