/**
 * Reader of the FIFO demo (./fifo-demos.ts): `node fifo-reader-main.js <fifo>`. Announces itself, then
 * open(path, O_RDONLY) — which blocks until a writer opens the FIFO — and reads to EOF. Each step is one
 * JSON line on fd 1: `{ pid, ppid, event: "opening" | "opened" | "eof", text? }`.
 */
import fs from "node:fs";

const say = (o: object) => fs.writeSync(1, JSON.stringify({ pid: process.pid, ppid: process.ppid, ...o }) + "\n");
say({ event: "opening" });
const fd = fs.openSync(process.argv[2], "r"); // blocks until some process opens it for writing
say({ event: "opened" });
const buf = Buffer.alloc(65536);
let n: number;
let text = "";
while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) text += buf.toString("utf8", 0, n);
say({ event: "eof", text });
