/** The isatty demo's program (./terminal-demos.ts): asks isatty(0), isatty(1), isatty(2) and prints what each fd points to. */
import fs from "node:fs";
import tty from "node:tty";

const name = (fd: number) => {
  try {
    return fs.readlinkSync("/proc/self/fd/" + fd);
  } catch {
    return "?";
  }
};
console.log([0, 1, 2].map((fd) => "isatty(" + fd + ")=" + tty.isatty(fd) + " " + name(fd)).join("\n"));
