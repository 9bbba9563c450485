/**
 * Every `@example` in a doc comment under src/ type-checks: an example is the cell a student would paste, so a
 * renamed function or a wrong option must fail here, not in a notebook.
 *
 * Each example is compiled with the project's TypeScript as a module of its own, placed next to the file it
 * documents (so an internal example may import "../runtime/handle"), with top-level await allowed and the package's
 * entry points mapped to their sources: "cdlab" → src/index.ts, "cdlab/net" → src/net/index.ts,
 * "cdlab/lectures/NN-topic" → src/lectures/NN-topic/index.ts. An example without any `import` sees the names its
 * own file exports (as a cell run after the one that imported them); an example may `declare const x: T` what it
 * uses without showing it. Only the examples' own diagnostics count: errors inside src/ are tsc's business.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const SRC = path.join(ROOT, "src");

export interface DocExample {
  /** The documented file, relative to the repository root. */
  file: string;
  /** 1-based line in `file` of the example's first code line. */
  line: number;
  /** The code, with the comment's ` * ` prefixes removed. */
  code: string;
  /** Why the example cannot be compiled at all (e.g. not a ```ts fence), if so. */
  problem?: string;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(p);
      return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
    })
    .sort();
}

/** The `@example` blocks of one file's doc comments. */
export function extractExamples(file: string, text: string): DocExample[] {
  const lines = text.split("\n");
  const examples: DocExample[] = [];
  const strip = (l: string) => l.replace(/^\s*\*(?: |$)/, "");
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\s*\/\*\*/.test(l)) inComment = true;
    if (inComment && /@example\b/.test(l)) {
      // The fence opens on the next non-empty comment line.
      let j = i + 1;
      while (j < lines.length && strip(lines[j]).trim() === "" && !/\*\//.test(lines[j])) j++;
      const open = j < lines.length ? strip(lines[j]).trim() : "";
      if (!/^```(ts|typescript)$/.test(open)) {
        examples.push({ file, line: i + 1, code: "", problem: "@example is not a ```ts block" });
      } else {
        const code: string[] = [];
        let k = j + 1;
        for (; k < lines.length && !/\*\//.test(lines[k]) && strip(lines[k]).trim() !== "```"; k++) code.push(strip(lines[k]));
        if (k >= lines.length || /\*\//.test(lines[k])) {
          examples.push({ file, line: j + 1, code: "", problem: "the ```ts block of this @example is never closed" });
        } else {
          examples.push({ file, line: j + 2, code: code.join("\n") });
        }
        i = k;
      }
    }
    if (/\*\//.test(lines[i])) inComment = false;
  }
  return examples;
}

/** The names a module exports at its top level (declarations and `export { … }` lists), for import-less examples. */
function exportedNames(text: string): string[] {
  const names = new Set<string>();
  const sf = ts.createSourceFile("x.ts", text, ts.ScriptTarget.ES2022, false);
  for (const st of sf.statements) {
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    const exported = mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const isDefault = mods?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (exported && !isDefault) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
      } else if (
        (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
          ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name
      ) {
        names.add(st.name.text);
      }
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const e of st.exportClause.elements) names.add(e.name.text);
    }
  }
  return [...names];
}

const hasImport = (code: string) => /^\s*import\s/m.test(code);

function examplePath(ex: DocExample): string {
  const abs = path.join(ROOT, ex.file);
  return path.join(path.dirname(abs), `__example__${path.basename(abs, ".ts")}_L${ex.line}.ts`);
}

/** The module a single example compiles as: its code, then (last, so lines match) what it may use unshown. */
function exampleModule(ex: DocExample, sourceText: string): string {
  const tail: string[] = [];
  if (!hasImport(ex.code)) {
    const names = exportedNames(sourceText);
    const self = "./" + path.basename(ex.file, ".ts");
    if (names.length) tail.push(`import { ${names.join(", ")} } from ${JSON.stringify(self)};`);
  }
  tail.push("export {};");
  return `${ex.code}\n${tail.join("\n")}\n`;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: ["node"],
  strict: true,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  noEmit: true,
  baseUrl: ROOT,
  paths: {
    cdlab: ["src/index.ts"],
    "cdlab/*": ["src/*/index.ts"],
  },
};

/** Type-check every example; returns one message per failing example, keyed by `file:line`. */
export function checkExamples(examples: DocExample[]): Map<string, string[]> {
  const failures = new Map<string, string[]>();
  const virtual = new Map<string, DocExample>();
  const texts = new Map<string, string>();
  const sourceText = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
  for (const ex of examples) {
    const key = `${ex.file}:${ex.line}`;
    if (ex.problem) {
      failures.set(key, [ex.problem]);
      continue;
    }
    const p = examplePath(ex);
    virtual.set(p, ex);
    texts.set(p, exampleModule(ex, sourceText(ex.file)));
  }
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => texts.get(path.resolve(f)) ?? readFile(f);
  host.fileExists = (f) => texts.has(path.resolve(f)) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = texts.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, lang, true) : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], COMPILER_OPTIONS, host);
  for (const [p, ex] of virtual) {
    const sf = program.getSourceFile(p)!;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    if (!diags.length) continue;
    failures.set(
      `${ex.file}:${ex.line}`,
      diags.map((d) => {
        const { line } = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0) : { line: 0 };
        return `${ex.file}:${ex.line + line}: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      }),
    );
  }
  return failures;
}

export function allExamples(): DocExample[] {
  return sourceFiles(SRC).flatMap((f) => extractExamples(path.relative(ROOT, f), fs.readFileSync(f, "utf8")));
}

describe("@example blocks in src/ doc comments", function () {
  this.timeout(180_000);
  const examples = allExamples();
  let failures: Map<string, string[]>;

  before(function () {
    failures = checkExamples(examples);
  });

  it("finds the examples (one per @example tag)", function () {
    expect(examples.length).to.be.greaterThan(100);
  });

  it("reports a bad example by file:line with the diagnostic", function () {
    const bad: DocExample = { file: "src/runtime/errors.ts", line: 10, code: 'import { validatePort } from "cdlab";\nvalidatePort(1, 2, 3);' };
    const out = checkExamples([bad]);
    expect([...out.values()].flat().join("\n")).to.match(/^src\/runtime\/errors\.ts:11: TS2554: Expected 1-2 arguments, but got 3/);
    const unfenced = extractExamples("x.ts", "/**\n * @example\n * f();\n */\n");
    expect(unfenced).to.deep.equal([{ file: "x.ts", line: 2, code: "", problem: "@example is not a ```ts block" }]);
  });

  for (const ex of examples) {
    it(`${ex.file}:${ex.line} type-checks`, function () {
      const errors = failures.get(`${ex.file}:${ex.line}`);
      if (errors) expect.fail(errors.join("\n"));
    });
  }
});
