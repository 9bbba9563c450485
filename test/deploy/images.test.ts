/**
 * What can be checked here of the multi-server deployment (no docker engine, no cluster): the Zero to JupyterHub
 * values parse and point at files the image has; the Dockerfile builds with the setup scripts the CI runs, with
 * options those scripts accept, and never copies the exercises' sources.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../src/cli/kernelspec";

const DEPLOY = path.join(ROOT, "deploy");

function parseYaml(file: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require("js-yaml") as { load(text: string): unknown };
    return yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
  }
  const r = spawnSync("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`no YAML parser here (js-yaml or python3-yaml): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The Dockerfile's instructions, continuation lines joined. */
function instructions(file: string): { op: string; args: string }[] {
  const text = fs.readFileSync(file, "utf8").replace(/\\\n/g, " ");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

describe("deploy: Zero to JupyterHub values and the single-user image", function () {
  const values = parseYaml(path.join(DEPLOY, "k8s", "values.yaml")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const docker = instructions(path.join(DEPLOY, "docker", "Dockerfile"));

  it("the values file parses and runs the image's start script with the cdlab kernel as the default", function () {
    const su = values.singleuser;
    expect(su.image.name).to.be.a("string");
    expect(su.cmd).to.equal("/opt/cdlab/deploy/bin/cdlab-singleuser");
    expect(fs.existsSync(path.join(DEPLOY, "bin", "cdlab-singleuser")), "the start script exists").to.equal(true);
    const server = su.extraFiles["jupyter-server-config"];
    expect(server.mountPath).to.equal("/etc/jupyter/jupyter_server_config.json");
    expect(server.data.MappingKernelManager.default_kernel_name).to.equal("cdlab");
    expect(server.data.MappingKernelManager.cull_idle_timeout).to.be.a("number");
    expect(server.data.ServerApp.shutdown_no_activity_timeout).to.be.a("number");
    expect(su.memory.limit).to.match(/^\d+[MG]$/);
    expect(values.cull.enabled).to.equal(true);
    expect(su.extraEnv.CDLAB_PUBLISHED).to.equal(docker.find((i) => i.op === "ENV" && i.args.includes("CDLAB_PUBLISHED"))?.args.match(/CDLAB_PUBLISHED=(\S+)/)?.[1]);
  });

  it("the image is built by the setup scripts the CI runs, with options they accept", function () {
    const runs = docker.filter((i) => i.op === "RUN").map((i) => i.args);
    expect(runs).to.include("node scripts/setup.js");
    const hub = runs.find((r) => r.startsWith("node scripts/setup-hub.js"));
    expect(hub, "RUN node scripts/setup-hub.js").to.be.a("string");
    const header = fs.readFileSync(path.join(ROOT, "scripts", "setup-hub.js"), "utf8");
    for (const flag of hub!.split(/\s+/).filter((a) => a.startsWith("--"))) expect(header, `setup-hub.js accepts ${flag}`).to.include(`"${flag}"`);
    const check = spawnSync(process.execPath, [path.join(ROOT, "scripts", "setup-hub.js"), "--check", "--quiet", "--no-kernelspec", "--venv", "/nonexistent/venv"], { encoding: "utf8" });
    expect(check.status, "--check reports what is missing without installing it").to.equal(1);
    expect(check.stderr).to.include("/nonexistent/venv");
    expect(fs.existsSync("/nonexistent/venv")).to.equal(false);
  });

  it("the image copies files that exist and never the exercises' sources", function () {
    for (const { args } of docker.filter((i) => i.op === "COPY")) {
      const parts = args.split(/\s+/).filter((a) => !a.startsWith("--"));
      for (const from of parts.slice(0, -1)) {
        expect(from, "COPY of the whole tree or of the notebooks folder").to.not.match(/^(\.|notebooks\/?|notebooks\/exercicios.*)$/);
        const dir = path.join(ROOT, path.dirname(from));
        const base = path.basename(from);
        const matches = base.includes("*") ? fs.readdirSync(dir).filter((f) => new RegExp(`^${base.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`).test(f)) : [base].filter((f) => fs.existsSync(path.join(dir, f)));
        expect(matches, `COPY ${from}`).to.not.be.empty;
      }
    }
  });
});
