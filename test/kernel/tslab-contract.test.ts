/**
 * The contract between cdlab's kernel and tslab's internals: one test per
 * private module path, format string, regex and error text that kernel/tslab.ts
 * (the only file allowed to rely on them) uses. A tslab, TypeScript or Node
 * upgrade that changes one fails here, by name, instead of in a notebook.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import * as tslab from "../../kernel/tslab";
import type { Diag } from "../../kernel/traceback";

const upgrade = (what: string) => `tslab contract broken (${what}): kernel/tslab.ts must be adapted to the installed version`;

describe("kernel/tslab.ts: tslab's internals cdlab relies on", function () {
  this.timeout(30000);
  let dir: string;
  let executor: tslab.Executor;
  let converter: import("tslab/dist/converter").Converter;
  const seen = { diags: [] as Diag[], errors: [] as unknown[], results: [] as unknown[] };
  const clear = () => {
    seen.diags = [];
    seen.errors = [];
    seen.results = [];
  };

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-contract-"));
    executor = tslab.createExecutor(dir, {
      diag: (d) => seen.diags.push(d),
      error: (e) => seen.errors.push(e),
      result: (v) => seen.results.push(v),
    }, (c) => (converter = c));
  });
  after(function () {
    executor?.close();
    delete (globalThis as { __tslab__?: unknown }).__tslab__;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(clear);

  describe("module paths", function () {
    it(`"${tslab.TYPESCRIPT}" loads, its version is the project's, and tslab's "${tslab.TSLAB_TYPESCRIPT}" is replaced by it`, function () {
      const ts = tslab.loadTypescript();
      expect(ts.createSourceFile, upgrade(`${tslab.TYPESCRIPT} is TypeScript`)).to.be.a("function");
      expect(tslab.typescriptVersion(), upgrade(`version from ${tslab.TYPESCRIPT}/package.json`)).to.equal(ts.version);
      expect(ts.version).to.equal(require("typescript/package.json").version);
      expect(require(tslab.TSLAB_TYPESCRIPT), upgrade(`${tslab.TSLAB_TYPESCRIPT} in require.cache`)).to.equal(ts);
    });

    it(`what tslab's converter takes from the fork "${tslab.TSLAB_TYPESCRIPT}" exists (forTslab adds what stock TypeScript lacks)`, function () {
      const fs_ = require("node:fs") as typeof fs;
      const used = ["converter", "metadata"].map((f) => fs_.readFileSync(require.resolve(`tslab/dist/${f}.js`), "utf8")).join("\n");
      const names = new Set([...used.matchAll(/\bts\.([A-Za-z_]+)/g)].map((m) => m[1]));
      const ts = tslab.loadTypescript() as unknown as Record<string, unknown>;
      const missing = [...names].filter((n) => !(n in ts));
      expect(missing, upgrade("ts.* names tslab uses")).to.deep.equal([]);
      expect((ts.Completions as Record<string, unknown>).getCompletionsAtPositionForTslab).to.be.a("function");
    });

    it(`"${tslab.MODULES.executor}" exports createExecutor`, function () {
      expect(require(tslab.MODULES.executor).createExecutor, upgrade(`${tslab.MODULES.executor}.createExecutor`)).to.be.a("function");
    });

    it(`"${tslab.MODULES.converter}" exports createConverter and isCompleteCode ({ completed, indent })`, function () {
      const m = require(tslab.MODULES.converter);
      expect(m.createConverter, upgrade(`${tslab.MODULES.converter}.createConverter`)).to.be.a("function");
      expect(tslab.isCompleteCode("if (x) {"), upgrade(`${tslab.MODULES.converter}.isCompleteCode`)).to.deep.equal({ completed: false, indent: "  " });
      expect(tslab.isCompleteCode("let a = 1").completed, upgrade(`${tslab.MODULES.converter}.isCompleteCode`)).to.equal(true);
    });

    it(`"${tslab.MODULES.inspect}" exports printQuickInfo, which prints what executor.inspect returns`, function () {
      expect(require(tslab.MODULES.inspect).printQuickInfo, upgrade(`${tslab.MODULES.inspect}.printQuickInfo`)).to.be.a("function");
      const code = "const answer = 42;\nanswer";
      const info = executor.inspect(code, code.length - 2);
      expect(tslab.printQuickInfo(info), upgrade("executor.inspect + printQuickInfo")).to.equal("const answer: 42");
    });

    it(`"${tslab.MODULES.jupyter}".lastWriteDisplayData is what tslab's public display calls`, function () {
      const jupyter = require(tslab.MODULES.jupyter) as { lastWriteDisplayData: unknown };
      expect(jupyter, upgrade(`${tslab.MODULES.jupyter}.lastWriteDisplayData`)).to.have.property("lastWriteDisplayData");
      const before = jupyter.lastWriteDisplayData;
      const shown: { d: tslab.TslabDisplay; update?: boolean }[] = [];
      try {
        tslab.routeTslabDisplay((d, update) => shown.push({ d, update }));
        const pub = require("tslab") as typeof import("tslab");
        pub.display.html("<b>oi</b>");
        pub.newDisplay().text("t");
      } finally {
        jupyter.lastWriteDisplayData = before;
      }
      expect(shown, upgrade("display → lastWriteDisplayData")).to.have.length(2);
      expect(shown[0].d.data).to.deep.equal({ "text/html": "<b>oi</b>" });
      expect(shown[1].d.data).to.deep.equal({ "text/plain": "t" });
      expect(shown[1].d.transient?.display_id, upgrade("display id in transient.display_id")).to.be.a("string");
    });
  });

  describe("TypeScript internals", function () {
    it("SourceFile.parseDiagnostics (internal) lists syntax errors", function () {
      const ts = tslab.loadTypescript();
      const sf = ts.createSourceFile("cell.ts", "let = ;", ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
      expect(sf, upgrade("SourceFile.parseDiagnostics")).to.have.property("parseDiagnostics");
      expect(tslab.parseErrorCount("let = ;")).to.be.greaterThan(0);
      expect(tslab.parseErrorCount("let a = 1")).to.equal(0);
    });

    it("tslab's converter reads files through ts.sys at call time (resolve.ts patches its methods)", function () {
      const ts = tslab.loadTypescript();
      const orig = ts.sys.fileExists;
      const asked: string[] = [];
      ts.sys.fileExists = (p: string) => {
        asked.push(p);
        return orig.call(ts.sys, p);
      };
      try {
        executor.complete('import { z } from "cdlab-contract-virtual";\nz', 10);
      } finally {
        ts.sys.fileExists = orig;
      }
      expect(asked.some((p) => p.includes("cdlab-contract-virtual")), upgrade("converter module resolution through ts.sys.fileExists")).to.equal(true);
    });
  });

  describe("formats", function () {
    it(`DIAG_FORMAT ${JSON.stringify(tslab.DIAG_FORMAT)}: a compile diagnostic is console.error(DIAG_FORMAT, file, line, column, message)`, async function () {
      expect(await executor.execute("let a = 1;\nconst y: string = 3")).to.equal(false);
      expect(seen.errors, upgrade("diagnostics reported with DIAG_FORMAT")).to.deep.equal([]);
      expect(seen.diags).to.deep.equal([{ file: undefined, line: 1, column: 6, message: "Type 'number' is not assignable to type 'string'.", code: 2322 }]);
    });

    it("a thrown value is console.error(value) and the last expression console.log(value)", async function () {
      expect(await executor.execute('throw new RangeError("boom")')).to.equal(false);
      expect(seen.errors, upgrade("console.error(thrown value)")).to.have.length(1);
      expect((seen.errors[0] as Error).message).to.equal("boom");
      clear();
      expect(await executor.execute("const six = 2 * 3;\nsix + 1")).to.equal(true);
      expect(seen.results, upgrade("console.log(last expression)")).to.deep.equal([7]);
    });

    it(`CELL_WRAPPER ${tslab.CELL_WRAPPER}: tslab runs a cell's JavaScript, sync or async, through vm.runInThisContext with that wrapper`, async function () {
      const codes: string[] = [];
      const orig = vm.runInThisContext;
      (vm as { runInThisContext: typeof orig }).runInThisContext = ((code: string, options?: vm.RunningScriptOptions) => {
        codes.push(code);
        return orig.call(vm, code, options);
      }) as typeof orig;
      try {
        await executor.execute("const w = 1;");
        await executor.execute("await Promise.resolve(w)");
      } finally {
        (vm as { runInThisContext: typeof orig }).runInThisContext = orig;
      }
      expect(codes, upgrade("cells run through vm.runInThisContext")).to.have.length(2);
      for (const c of codes) expect(tslab.CELL_WRAPPER.test(c), upgrade(`CELL_WRAPPER on ${JSON.stringify(c.slice(0, 60))}`)).to.equal(true);
    });

    it("nameCellScripts gives a cell's JavaScript the file name asked for, and removes its patch", async function () {
      const names: string[] = [];
      const remove = tslab.nameCellScripts((js) => {
        names.push(js);
        return "cdlab-contract-cell.js";
      });
      try {
        await executor.execute("new Error('where').stack");
      } finally {
        remove();
      }
      expect(names, upgrade("vm.runInThisContext patch sees the cell")).to.have.length(1);
      expect(String(seen.results[0])).to.include("cdlab-contract-cell.js:");
      expect(vm.runInThisContext.name).to.equal("runInThisContext");
    });

    it(`EXPORTED_VALUE ${tslab.EXPORTED_VALUE}: tslab emits a declaration and the last expression as "exports.x = …" lines`, function () {
      const out = converter.convert("", "const total: number = 40 + 2\ntotal * 2").output ?? "";
      const stripped = out.split("\n").filter((l) => tslab.EXPORTED_VALUE.test(l)).map((l) => l.replace(tslab.EXPORTED_VALUE, ""));
      expect(stripped, upgrade("exports.x = … lines in the emit")).to.include.members(["total;", "total * 2;"]);
    });
  });

  describe("the converter's one timer", function () {
    /** A host whose timers behave like tslab's converter's: one pending at a time, run by the converter. */
    function tslabLikeHost() {
      let pending: { callback: () => void } | null = null;
      return {
        setTimeout: (cb: (...a: unknown[]) => void, _ms: number, ...a: unknown[]) => {
          if (pending) throw new Error("Unexpected pending rebuildTimer");
          return (pending = { callback: () => ((pending = null), cb(...a)) });
        },
        clearTimeout: (h: unknown) => {
          if (pending === h) pending = null;
        },
        runPending: () => pending?.callback(),
      };
    }

    it("a timer set while another is pending (a watcher between cells) runs right after it, and can still be cleared", function () {
      const host = tslabLikeHost();
      expect(() => (host.setTimeout(() => 0, 1), host.setTimeout(() => 0, 1)), "tslab's own behaviour").to.throw("Unexpected pending rebuildTimer");
      const ran: string[] = [];
      const fixed = tslabLikeHost();
      tslab.oneTimerAtATime(fixed);
      fixed.setTimeout((w) => ran.push(String(w)), 250, "invalidate");
      fixed.setTimeout((w) => ran.push(String(w)), 250, "update");
      const dropped = fixed.setTimeout((w) => ran.push(String(w)), 250, "dropped");
      fixed.clearTimeout(dropped);
      fixed.runPending();
      expect(ran).to.deep.equal(["invalidate", "update"]);
    });
  });

  describe("one program per cell", function () {
    const cell = 'import fs from "node:fs";\nconst one = 1;\nlet two = 2, [three] = [3];\nfunction four() { return 4 }\nclass Five {}\nenum Six { A }\ninterface Seven {}\ntype Eight = 8;\nnamespace Nine { export const x = 9 }\none + two';

    it(`tslab appends ${JSON.stringify(tslab.cellExportLine(["a", "b"]))} to a cell that declares a and b, and compiles it again`, function () {
      const src = fs.readFileSync(require.resolve(tslab.MODULES.converter + ".js"), "utf8");
      expect(src, upgrade("the converter's export line (cellExportLine)")).to.include('const suffix = "\\nexport {" + Array.from(keys).join(", ") + "}";');
    });

    it("cellLocals finds a cell's top-level names in the order the compiler binds them", function () {
      const ts = tslab.loadTypescript();
      expect(tslab.cellLocals(ts, "/x/" + tslab.CELL_FILE, "export {};\n" + cell, {})).to.deep.equal(["four", "fs", "one", "two", "three", "Five", "Six", "Seven", "Eight", "Nine"]); // functions first: hoisted
      expect(tslab.cellLocals(ts, "/x/" + tslab.CELL_FILE, "export {};\nconsole.log(1); { const inner = 2 }", {})).to.deep.equal([]);
    });

    it("a cell that declares names builds one program, not two; the names reach the next cells, and nothing is printed", async function () {
      const warn = console.warn;
      const warned: unknown[] = [];
      console.warn = (...a: unknown[]) => void warned.push(a);
      try {
        const before = tslab.cellProgramsBuilt();
        expect(await executor.execute(cell)).to.equal(true);
        expect(seen.results).to.deep.equal([3]);
        expect(tslab.cellProgramsBuilt() - before, "programs built for one cell").to.equal(1);
        const program = tslab.lastCellProgram()!;
        const sf = program.getSourceFiles().find((f) => path.basename(f.fileName) === tslab.CELL_FILE)!;
        const names = tslab.cellLocals(tslab.loadTypescript(), sf.fileName, "export {};\n" + cell, {});
        expect([...(sf as unknown as { locals: Map<string, unknown> }).locals.keys()], "bound alone as in the program").to.deep.equal(names);
        expect(sf.text).to.equal("export {};\n" + cell + tslab.cellExportLine(names));
        clear();
        expect(await executor.execute("const n: typeof Nine.x extends 9 ? Eight : never = 8;\n[fs.existsSync('/'), one, two, three, four(), new Five() instanceof Five, Six.A, n, Nine.x]")).to.equal(true);
        expect(seen.results).to.deep.equal([[true, 1, 2, 3, 4, true, 0, 8, 9]]);
        expect(seen.diags).to.deep.equal([]);
        clear();
        const next = tslab.cellProgramsBuilt();
        expect(await executor.execute("let twice = 1;\nlet twice = 2")).to.equal(false);
        expect(seen.diags.map((d) => d.code)).to.deep.equal([2451, 2451]);
        expect(tslab.cellProgramsBuilt() - next).to.equal(1);
      } finally {
        console.warn = warn;
      }
      expect(warned).to.deep.equal([]);
    });

    it("completion and documentation see the cell as typed, without the export line", function () {
      const c = converter.complete("", "const word = 'x';\nword.", "const word = 'x';\nword.".length);
      expect(c.candidates).to.include("toUpperCase");
      const info = converter.inspect("", "const word = 'x';\nword", "const word = 'x';\nwo".length);
      expect(info?.displayParts?.map((p) => p.text).join("")).to.equal("const word: \"x\"");
    });
  });

  describe("today's TypeScript in cells", function () {
    it(`a top-level await, for await and await using are reported as TS${tslab.TOP_LEVEL_AWAIT} (the fork's disableTopLevelAwait), so the cell runs async`, async function () {
      const ts = tslab.loadTypescript();
      const sf = ts.createSourceFile(tslab.CELL_FILE, "await 1;\nfor await (const x of []) {}\nawait using r = null;\nasync function f() { await 2 }", ts.ScriptTarget.ES2022, true);
      expect(tslab.topLevelAwaits(ts, sf).map((d) => [d.code, sf.text.slice(d.start!, d.start! + d.length!)])).to.deep.equal([[1308, "await"], [1308, "await"], [1308, "await"]]);
      expect(await executor.execute("const late = await Promise.resolve(5);\nlate")).to.equal(true);
      expect(seen.diags).to.deep.equal([]);
      expect(seen.results).to.deep.equal([5]);
    });

    it("lib ES2023 types Array.prototype.toSorted; a diagnostic carries its code (TS2304)", async function () {
      expect(await executor.execute("[3, 1, 2].toSorted()")).to.equal(true);
      expect(seen.diags).to.deep.equal([]);
      expect(seen.results).to.deep.equal([[1, 2, 3]]);
      clear();
      expect(await executor.execute("nada + 1")).to.equal(false);
      expect(seen.diags.map((d) => d.code)).to.deep.equal([2304]);
    });

    it(`CELL_USING: a top-level using / await using runs as const x = ${tslab.CELL_USING}(value, isAwait), last expression and declarations kept; a re-run cell redeclares it`, async function () {
      const g = globalThis as Record<string, unknown>;
      const kept: [unknown, boolean][] = [];
      g[tslab.CELL_USING] = (v: unknown, isAwait: boolean) => (kept.push([v, isAwait]), v);
      try {
        const cell = `const tag = "r";
await using r = { async [Symbol.asyncDispose]() {} };
using s = { [Symbol.dispose]() {} };
tag + (globalThis as any).kept()`;
        g.kept = () => kept.length;
        expect(await executor.execute(cell)).to.equal(true);
        expect(await executor.execute(cell)).to.equal(true);
        expect(seen.diags, JSON.stringify(seen.diags)).to.deep.equal([]);
        expect(seen.errors).to.deep.equal([]);
        expect(seen.results, upgrade("last expression after using")).to.deep.equal(["r2", "r4"]);
        expect(kept.map(([, a]) => a)).to.deep.equal([true, false, true, false]);
        expect(await executor.execute("r === undefined")).to.equal(true);
        expect(seen.results[2], upgrade("using declarations visible to later cells")).to.equal(false);
      } finally {
        delete g[tslab.CELL_USING];
        delete g.kept;
      }
    });
  });

  describe("error texts", function () {
    it(`TSLAB_INTERRUPTED ${JSON.stringify(tslab.TSLAB_INTERRUPTED)}: executor.interrupt() rejects a pending await with it`, async function () {
      const running = executor.execute("await new Promise(() => {})");
      await new Promise((r) => setTimeout(r, 50));
      executor.interrupt();
      expect(await running).to.equal(false);
      expect(seen.errors, upgrade("interrupt error")).to.have.length(1);
      expect((seen.errors[0] as Error).message, upgrade("TSLAB_INTERRUPTED")).to.equal(tslab.TSLAB_INTERRUPTED);
      expect(tslab.isInterrupt(seen.errors[0])).to.equal(true);
    });

    it(`VM_INTERRUPTED ${tslab.VM_INTERRUPTED}: Node's message when SIGINT stops vm.runInThisContext({ breakOnSigint })`, function () {
      // In a child process: a SIGINT that missed the watchdog would end the test runner.
      const script = `
        const vm = require("node:vm");
        require("node:child_process").spawn("sh", ["-c", "sleep 0.3; kill -INT " + process.pid], { stdio: "ignore" });
        try { vm.runInThisContext("const t = Date.now(); while (Date.now() - t < 10000) {}", { breakOnSigint: true }); console.log("not interrupted"); }
        catch (e) { console.log(e.message); }`;
      const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 });
      const message = r.stdout.trim();
      expect(message, upgrade(`Node's vm interrupt text (got ${JSON.stringify(message)}, status ${r.status}, signal ${r.signal})`)).to.match(tslab.VM_INTERRUPTED);
      expect(tslab.isInterrupt(new Error(message))).to.equal(true);
    });
  });
});
