/** Child of the pipe demos: read(0) until EOF, then report on fd 1 how many reads and bytes: `{ pid, reads, bytes, eof }`. */
import fs from "node:fs";

const buf = Buffer.alloc(65536);
let reads = 0;
let bytes = 0;
let n: number;
while ((n = fs.readSync(0, buf, 0, buf.length, null)) > 0) {
  reads++;
  bytes += n;
}
fs.writeSync(1, JSON.stringify({ pid: process.pid, reads, bytes, eof: true }));
