/**
 * Every error message a student can see is in Brazilian Portuguese (issue 14). This test reads every `.ts` file under
 * `src/` with the TypeScript parser and checks the message argument of
 *
 * - `new CdlabError(code, message)` (2nd argument),
 * - `new Error(message)`, `new TypeError(message)`, `new …Error(message)` (1st argument),
 * - `systemError(what, err)` (1st argument) and `invalidArg(option, value, expected)` (3rd argument),
 *
 * taking the literal text of the argument (string literals, template literal parts without their `${…}`, both sides
 * of `+`, `??`, `||` and of a `? :`). A message is flagged as English when it holds one of {@link ENGLISH} as a whole
 * word, after dropping what is code, not prose: quoted text (`"…"`, `'…'`, `` `…` ``), `{ … }` shapes and code-like tokens
 * (`EADDRINUSE`, `IPC_NOWAIT`, `msgsnd`, `timeoutMs`). The list holds no word that is also Portuguese (`no`, `a`,
 * `as`, `do`, `for`, `me`, `time`, `data`), so it does not fire on pt-BR.
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

const SRC = path.join(__dirname, "..", "..", "src");

/** Common English words that are not Portuguese words; one of them, as a whole word, marks a message as English. */
const ENGLISH = new Set(
  (
    "the is are was were be been being not cannot can't could couldn't can will would should must shall " +
    "does doesn't did didn't don't isn't wasn't aren't has have had of to from with within without in on at by " +
    "and or but if then than this that these those which when while where what who there its it an any " +
    "expected expects invalid missing failed fails unknown already found closed received sent timed " +
    "got only into before after until between because still yet more less every each all some none nothing " +
    "should used using unable please try again such same other another one two empty error wrong allowed " +
    "number integer positive negative greater bigger smaller least most file directory process lost " +
    "reply message waiting while interrupted connection refused permission denied broken available " +
    "name address port given need needs"
  ).split(/\s+/),
);

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

/** The English words of a message, after dropping quoted text and code-like tokens. */
export function englishWords(message: string): string[] {
  const prose = message
    .replace(/"[^"]*"|`[^`]*`|(?<![\p{L}\p{N}])'[^']*'(?![\p{L}\p{N}])/gu, " ")
    .replace(/\{[^{}]*\}/g, " ") // { host?, port }: an object's shape
    .replace(/\b[A-Z][A-Z0-9_]+\b/g, " ") // EADDRINUSE, IPC_NOWAIT, UDP, TCP
    .replace(/\b[a-z]+[A-Z]\w*\b/g, " ") // timeoutMs, writeUTF, readUTF
    .replace(/[\w.-]+\(\)/g, " "); // close(), msgsnd()
  const found = new Set<string>();
  for (const w of prose.toLowerCase().match(/[\p{L}']+/gu) ?? []) if (ENGLISH.has(w)) found.add(w);
  return [...found];
}

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
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const i = messageArgument(node);
      const arg = i >= 0 ? node.arguments?.[i] : undefined;
      if (arg) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(arg.getEnd()).line;
        const marked = lines.slice(Math.max(0, first - 1), last + 1).some((l) => /\/\/\s*english:/.test(l));
        if (!marked) {
          for (const message of literalText(arg)) {
            const words = englishWords(message);
            if (words.length) {
              const line = source.getLineAndCharacterOfPosition(arg.getStart(source)).line + 1;
              out.push({ file, line, message, words });
            }
          }
        }
      }
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
    ].join("\n");
    const found = englishMessages("fixture.ts", fixture);
    expect(found.map((o) => o.line)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(found[0].words).to.include.members(["from", "within"]);
  });

  it("no helper error message under src/ is English (src/cli and `// english:` lines excepted)", function () {
    const offenders = sourceFiles(SRC).flatMap((f) => englishMessages(path.relative(process.cwd(), f), fs.readFileSync(f, "utf8")));
    const list = offenders.map((o) => `  ${o.file}:${o.line}  [${o.words.join(", ")}]  ${JSON.stringify(o.message)}`);
    expect(offenders.length, `${offenders.length} English messages:\n${list.join("\n")}\n`).to.equal(0);
  });
});
