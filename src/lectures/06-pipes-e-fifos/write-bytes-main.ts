/** Child of the pipe demos: `node write-bytes-main.js N` — one blocking write of N zero bytes into the pipe on fd 1. */
import fs from "node:fs";

// A new open of fd 1's pipe through /proc has its own file status flags, so the write blocks while the
// pipe is full even where Node's loader made fd 1 non-blocking (tsx does, when cdlab runs from source).
const out = fs.openSync("/proc/self/fd/1", "w");
fs.writeSync(out, Buffer.alloc(Number(process.argv[2])));
