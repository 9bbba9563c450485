/**
 * Every error message a student can see is in Brazilian Portuguese (issue 14). This test reads every `.ts` file under
 * `src/` with the TypeScript parser and checks the message argument of
 *
 * - `new CdlabError(code, message)` (2nd argument),
 * - `new Error(message)`, `new TypeError(message)`, `new …Error(message)` (1st argument),
 * - `systemError(what, err)` (1st argument) and `invalidArg(option, value, expected)` (3rd argument),
 * - an object literal's `message`, `reason`, `note`, `missing` or `hint` (text kept to be shown later, e.g. the
 *   `note` a notebook prints when a compiler is missing),
 *
 * taking the literal text of the argument (string literals, template literal parts without their `${…}`, both sides
 * of `+`, `??`, `||` and of a `? :`). A message is English when test/support/english.ts finds an English word in it
 * (a list of common English words that are not Portuguese, matched as whole words after dropping quoted text,
 * `{ … }` shapes and code-like tokens such as `EADDRINUSE`, `IPC_NOWAIT`, `msgsnd`, `timeoutMs`) — the same
 * heuristic test/notebooks-pt-br.test.ts applies to the notebooks' saved outputs.
 *
 * Not checked: `src/cli/` (the `cdlab` command may stay English), and a message marked `// english: <reason>` on the
 * line of the call, the line above it, or any line of the call up to the message — for text no student sees (an
 * instructor-only grader message, an internal invariant).
 *
 * Run it alone to list what is left to translate: `npx mocha test/runtime/pt-br-messages.test.ts`.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { englishWords } from "../support/english";

const SRC = path.join(__dirname, "..", "..", "src");

export interface Offender {
  file: string;
  line: number;
  message: string;
  words: string[];
}

/** The literal text pieces of a message expression (interpolations left out); none when it has no literal text. */
function literalText(node: ts.Expression): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) {
    return [[node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" … ")];
  }
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (ts.isConditionalExpression(node)) return [...literalText(node.whenTrue), ...literalText(node.whenFalse)];
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken) {
      const parts = [...literalText(node.left), ...literalText(node.right)];
      return parts.length ? [parts.join(" … ")] : [];
    }
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      return [...literalText(node.left), ...literalText(node.right)];
    }
  }
  return [];
}

/** Object literal properties whose text is shown to a student later. */
const MESSAGE_PROPERTIES = new Set(["message", "reason", "note", "missing", "hint"]);

/** Which argument of a call or `new` carries the message, or -1 when the call is not one the test checks. */
function messageArgument(node: ts.CallExpression | ts.NewExpression): number {
  const callee = node.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : "";
  if (ts.isNewExpression(node)) {
    if (name === "CdlabError") return 1;
    if (/Error$/.test(name)) return 0;
    return -1;
  }
  if (name === "systemError") return 0;
  if (name === "invalidArg") return 2;
  return -1;
}

/** Every English message in one source text; `file` is only used to name the offenders. */
export function englishMessages(file: string, text: string): Offender[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = text.split("\n");
  const out: Offender[] = [];
  const check = (node: ts.Node, arg: ts.Expression) => {
    const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    const last = source.getLineAndCharacterOfPosition(arg.getEnd()).line;
    if (lines.slice(Math.max(0, first - 1), last + 1).some((l) => /\/\/\s*english:/.test(l))) return;
    for (const message of literalText(arg)) {
      const words = englishWords(message);
      if (words.length) out.push({ file, line: source.getLineAndCharacterOfPosition(arg.getStart(source)).line + 1, message, words });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const i = messageArgument(node);
      const arg = i >= 0 ? node.arguments?.[i] : undefined;
      if (arg) check(node, arg);
    } else if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && MESSAGE_PROPERTIES.has(node.name.text)) {
      check(node, node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === path.join(SRC, "cli") ? [] : sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

describe("pt-BR messages", function () {
  it("flags English messages and not pt-BR ones (the check bites)", function () {
    const fixture = [
      'throw new CdlabError("ETIMEDOUT", `No reply from ${host}:${port} within ${ms} ms`);',
      'throw new Error("Cannot open the queue");',
      'throw systemError(`Cannot listen on ${host}:${port}`, e);',
      'invalidArg("size", size, "must be a positive integer");',
      'throw new CdlabError("EINVAL", s.reason ?? "Invalid option");',
      'throw new CdlabError("ETIMEDOUT", `Nenhuma resposta de ${host}:${port} em ${ms} ms (o UDP não retransmite)`);',
      'throw new CdlabError("EAGAIN", "A fila está cheia: msgsnd com IPC_NOWAIT não espera; esvazie a fila ou tire o IPC_NOWAIT");',
      'throw systemError(`Não foi possível escutar em ${host}:${port}`, e);',
      'invalidArg("mode", mode, \'esperado "event-loop" ou "thread"\');',
      'throw new CdlabError("ENOENT", "Arquivo não encontrado: confira o caminho no seu notebook, se for o caso");',
      '// english: internal invariant, never reaches a student',
      'throw new Error("This cannot happen");',
      'const tool = { note: "No JDK on this machine", missing: "Sem JDK nesta máquina: instale um JDK" };',
    ].join("\n");
    const found = englishMessages("fixture.ts", fixture);
    expect(found.map((o) => o.line)).to.deep.equal([1, 2, 3, 4, 5, 13]);
    expect(found[5].message).to.equal("No JDK on this machine");
    expect(found[0].words).to.include.members(["from", "within"]);
  });

  it("no helper error message under src/ is English (src/cli and `// english:` lines excepted)", function () {
    const offenders = sourceFiles(SRC).flatMap((f) => englishMessages(path.relative(process.cwd(), f), fs.readFileSync(f, "utf8")));
    const list = offenders.map((o) => `  ${o.file}:${o.line}  [${o.words.join(", ")}]  ${JSON.stringify(o.message)}`);
    expect(offenders.length, `${offenders.length} English messages:\n${list.join("\n")}\n`).to.equal(0);
  });
});
