/**
 * The notebook suite: every .ipynb under notebooks/ runs top to bottom in the
 * cdlab kernel through the shared Jupyter server (like JupyterLab does): every
 * cell's execute_reply is "ok" and no output is an error. New notebooks join
 * automatically. Also checks that committed notebooks were executed (outputs
 * come from running them) and saved without error outputs.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { SessionManager, KernelSpecManager } from "@jupyterlab/services";
import { execute, sharedServer } from "./support/jupyter";

const ROOT = path.resolve(__dirname, "..", "notebooks");

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

function notebooks(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== ".ipynb_checkpoints" && e.name !== "node_modules") out.push(...notebooks(p));
    else if (e.name.endsWith(".ipynb")) out.push(p);
  }
  return out.sort();
}

function codeCells(file: string): Cell[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Cell[] };
  return nb.cells.filter((c) => c.cell_type === "code");
}

const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

describe("notebooks", function () {
  const files = notebooks();

  it("the course has notebooks", function () {
    expect(files.map((f) => path.relative(ROOT, f))).to.include("00-bem-vindo.ipynb");
  });

  describe("saved state", function () {
    for (const file of files) {
      const rel = path.relative(ROOT, file);
      it(`${rel} was executed and saved without errors`, function () {
        for (const [i, c] of codeCells(file).entries()) {
          if (!src(c).trim()) continue;
          const exercise = rel.startsWith("exercicios/");
          if (!exercise) expect(c.execution_count, `${rel}: code cell ${i + 1} was never executed`).to.be.a("number");
          const errors = (c.outputs ?? []).filter((o) => o.output_type === "error");
          expect(errors, `${rel}: code cell ${i + 1} was saved with an error output`).to.deep.equal([]);
        }
      });
    }
  });

  describe("run top to bottom in the cdlab kernel", function () {
    this.timeout(240_000);
    let sessions: SessionManager;

    before(async function () {
      const server = await sharedServer();
      sessions = new SessionManager({
        kernelManager: server.kernels,
        serverSettings: server.settings,
      });
      await sessions.ready;
      const specs = new KernelSpecManager({ serverSettings: server.settings });
      await specs.ready;
      expect(Object.keys(specs.specs?.kernelspecs ?? {})).to.include("cdlab");
      specs.dispose();
    });

    after(() => sessions?.dispose());

    for (const file of files) {
      const rel = path.relative(ROOT, file);
      it(rel, async function () {
        const session = await sessions.startNew({ path: rel, type: "notebook", name: path.basename(rel), kernel: { name: "cdlab" } });
        try {
          const kernel = session.kernel!;
          await kernel.info;
          for (const [i, c] of codeCells(file).entries()) {
            const code = src(c);
            if (!code.trim()) continue;
            const r = await execute(kernel, code);
            const errors = r.outputs.filter((m) => m.header.msg_type === "error");
            const what = `${rel}, code cell ${i + 1}:\n${code.split("\n").slice(0, 3).join("\n")}\n`;
            expect(errors.map((m) => m.content), `${what}produced an error`).to.deep.equal([]);
            expect(r.reply.status, `${what}execute_reply ${JSON.stringify(r.reply)}\nstderr: ${r.stderr}`).to.equal("ok");
          }
        } finally {
          await session.shutdown().catch(() => {});
          session.dispose();
        }
      });
    }
  });
});
