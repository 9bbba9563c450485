/** Child of the pipe demos: answer each line read on fd 0 with `<pid>: <LINE IN UPPER CASE>` on fd 1, until EOF. */
import fs from "node:fs";

const buf = Buffer.alloc(4096);
let rest = "";
let n: number;
while ((n = fs.readSync(0, buf, 0, buf.length, null)) > 0) {
  rest += buf.toString("utf8", 0, n);
  let i: number;
  while ((i = rest.indexOf("\n")) >= 0) {
    fs.writeSync(1, process.pid + ": " + rest.slice(0, i).toUpperCase() + "\n");
    rest = rest.slice(i + 1);
  }
}
