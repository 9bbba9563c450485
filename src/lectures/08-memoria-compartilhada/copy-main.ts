/**
 * One side of the copy experiment as a child process (./copy-sides.ts):
 * `node copy-main.js <role> <file> <prefix> <chunk> <size> <rounds>`. Errors go to stderr with exit status 1.
 */
const started = Number(process.hrtime.bigint()) / 1e6; // before loading anything else
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCopySide } = require("./copy-sides") as typeof import("./copy-sides");

runCopySide(process.argv.slice(2), started).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
