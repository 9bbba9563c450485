/**
 * A spare kernel (kernel.ts `startSpare`, `main.js --spare`) claimed by hand,
 * the way kernel/python/cdlab_jupyter's provisioner claims it: started with
 * the installed kernelspec's command (start.sh, the snapshot) and `--spare`
 * for the connection file, then one line of JSON on its stdin. Claimed early
 * (still loading) and late (warm), it serves that connection with the claim's
 * environment; EOF, a bad line and another folder end it with 0, 2 and 3.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/runtime/root";

const SCRIPT = `
import json, os, subprocess, sys, time
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file
spec = json.load(open(os.path.join(sys.argv[1], ".venv/share/jupyter/kernels/cdlab/kernel.json")))
argv = spec["argv"]; i = argv.index("--connection-file")
spare = argv[:i] + ["--spare"] + argv[i + 2:]
work = sys.argv[2]
out = {}

def start(env_extra=None):
    return subprocess.Popen(spare, cwd=work, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "CDLAB_SPARE_TEST": "spare", **(env_extra or {})}, start_new_session=True)

def claim(p, name, delay):
    time.sleep(delay)
    cf, _ = write_connection_file(fname=os.path.join(work, name + ".json"), ip="127.0.0.1")
    env = {**os.environ, "CDLAB_SPARE_TEST": "claimed-" + name}
    p.stdin.write((json.dumps({"connection_file": cf, "cwd": work, "env": env}) + "\\n").encode())
    p.stdin.close()
    kc = BlockingKernelClient(); kc.load_connection_file(cf); kc.start_channels()
    time.sleep(1.5)  # a bare client judges "alive" by heartbeat: let the sockets be bound first
    kc.wait_for_ready(timeout=60)
    mid = kc.execute("console.log(process.pid, process.cwd(), process.env.CDLAB_SPARE_TEST); 6 * 7")
    got = []
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") != mid: continue
        if m["msg_type"] == "stream": got.append(m["content"]["text"])
        if m["msg_type"] == "execute_result": got.append(m["content"]["data"]["text/plain"])
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle": break
    kc.shutdown(); p.wait(timeout=20); kc.stop_channels()
    out[name] = {"pid": p.pid, "got": got, "code": p.returncode}

claim(start(), "early", 0.05)
claim(start(), "late", 4)

def ended(name, line):
    p = start(); time.sleep(1)
    if line is not None: p.stdin.write(line)
    p.stdin.close(); p.wait(timeout=30)
    out[name] = {"code": p.returncode, "stderr": p.stderr.read().decode().strip()}

ended("eof", None)
ended("bad", b"not json\\n")
ended("elsewhere", (json.dumps({"connection_file": "/nonexistent", "cwd": "/", "env": {}}) + "\\n").encode())
print(json.dumps(out))
`;

describe("spare kernel claimed on stdin (main.js --spare)", function () {
  this.timeout(150_000);
  let work: string;
  let out: Record<string, { pid?: number; got?: string[]; code: number; stderr?: string }>;

  before(function () {
    const python = path.join(PACKAGE_ROOT, ".venv", "bin", "python");
    if (!fs.existsSync(python)) this.skip();
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-spare-")));
    const r = spawnSync(python, ["-c", SCRIPT, PACKAGE_ROOT, work], { encoding: "utf8", timeout: 140_000 });
    expect(r.status, r.stderr).to.equal(0);
    out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  });
  after(() => work && fs.rmSync(work, { recursive: true, force: true }));

  for (const when of ["early", "late"]) {
    it(`claimed ${when === "early" ? "while still loading" : "once warm"}: serves the connection as the same process, in its folder, with the claim's environment`, function () {
      const r = out[when];
      expect(r.got).to.deep.equal([`${r.pid} ${work} claimed-${when}\n`, "42"]);
      expect(r.code, "exit status after shutdown_request").to.equal(0);
    });
  }

  it("stdin at EOF before a claim: exits 0, silently", function () {
    expect(out.eof).to.deep.equal({ code: 0, stderr: "" });
  });

  it("a line that is not a claim: exits 2 with one line saying what it expects", function () {
    expect(out.bad.code).to.equal(2);
    expect(out.bad.stderr).to.match(/^cdlab kernel: a spare expects one line \{"connection_file", "cwd", "env"\} of JSON on stdin$/);
  });

  it("a claim for another folder: exits 3, naming both folders", function () {
    expect(out.elsewhere.code).to.equal(3);
    expect(out.elsewhere.stderr).to.equal(`cdlab kernel: a spare started in ${work} cannot serve /: start a new kernel there`);
  });

  it("leaves no process behind", function () {
    const left = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes("--spare") && fs.readlinkSync(`/proc/${p}/cwd`) === work;
      } catch {
        return false;
      }
    });
    expect(left).to.deep.equal([]);
  });
});
