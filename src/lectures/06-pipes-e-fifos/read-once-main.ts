/**
 * Child of the pipe demos: ONE read(0) — like the lecture's `read(d[0], line, MAX_LINE)` — then a JSON
 * report on fd 1: `{ pid, ppid, fd0, bytes, text }` (fd0: what fd 0 points to, e.g. "pipe:[123]").
 */
import fs from "node:fs";

const buf = Buffer.alloc(4096);
const n = fs.readSync(0, buf, 0, buf.length, null); // blocks until data (or EOF: 0)
fs.writeSync(1, JSON.stringify({ pid: process.pid, ppid: process.ppid, fd0: fs.readlinkSync("/proc/self/fd/0"), bytes: n, text: buf.toString("utf8", 0, n) }));
