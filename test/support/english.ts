/**
 * A small heuristic for "this text is English": whole words from a list of common English words that are not
 * Portuguese words, after dropping what is code rather than prose (quoted text, `EADDRINUSE`-like codes,
 * `camelCase` identifiers, `call()`s, `{ … }` shapes). Used by test/notebooks-pt-br.test.ts on the saved outputs of the
 * notebooks and by test/runtime/pt-br-messages.test.ts on the helpers' error messages in src/.
 */

/** Common English words that are not Portuguese words (no `a`, `as`, `do`, `no`, `me`, `time`, `data`, `total`,
 * `host`). */
export const ENGLISH_WORDS = new Set(
  (
    "the is are was were be been not cannot can't could can will would should must does doesn't did didn't " +
    "don't isn't has have had of to from with within without in on at by and or but if than this that which " +
    "when while where what there its it an any expected invalid missing failed unknown already found closed " +
    "received sent delivered timed got only into before after until because every each all some none nothing " +
    "unable please try again such same other empty error wrong allowed number string integer positive negative " +
    "greater file directory process lost reply message waiting interrupted connection refused permission denied " +
    "reset broken available name address port given running started stopped open opened need needs " +
    "counter count mode result value size yes true false"
  ).split(/\s+/),
);

/** The English words of a text, after dropping quoted text and code-like tokens; empty for pt-BR. */
export function englishWords(text: string): string[] {
  const prose = text
    .replace(/"[^"]*"|`[^`]*`|(?<![\p{L}\p{N}])'[^']*'(?![\p{L}\p{N}])/gu, " ")
    .replace(/\{[^{}]*\}/g, " ") // { host?, port }: an object's shape
    .replace(/\b[A-Z][A-Z0-9_]+\b/g, " ") // EADDRINUSE, IPC_NOWAIT, UDP
    .replace(/\b[a-z]+[A-Z]\w*\b/g, " ") // timeoutMs, writeUTF
    .replace(/[\w.-]+\(\)/g, " ") // close(), msgsnd()
    .replace(/\b[A-Za-z_]\w*(?:\.\w+)+/g, " "); // process.exit, relay.log, a.txt
  const found = new Set<string>();
  for (const w of prose.toLowerCase().match(/[\p{L}']+/gu) ?? []) if (ENGLISH_WORDS.has(w)) found.add(w);
  return [...found];
}
