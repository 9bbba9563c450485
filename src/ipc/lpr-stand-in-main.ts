/**
 * Stand-in for `lpr` in {@link whoSortLpr} (./pipeline.ts): a "printer" that reads its stdin to EOF and
 * frames what it received as a printed page on stdout.
 */
import fs from "node:fs";

const chunks: Buffer[] = [];
const buf = Buffer.alloc(65536);
let n: number;
while ((n = fs.readSync(0, buf, 0, buf.length, null)) > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
const text = Buffer.concat(chunks).toString();
fs.writeSync(1, "==== impressora simulada (PID " + process.pid + ") ====\n" + text + "==== fim da página: " + text.split("\n").filter(Boolean).length + " linhas ====\n");
