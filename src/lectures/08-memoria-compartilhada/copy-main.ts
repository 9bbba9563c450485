/**
 * One side of the copy experiment as a child process (./copy-sides.ts):
 * `node copy-main.js <role> <file> <prefix> <chunk>`. Errors go to stderr with exit status 1.
 */
import { runCopySide } from "./copy-sides";

runCopySide(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
