/**
 * Writer of the FIFO demo (./fifo-demos.ts): `node fifo-writer-main.js <fifo> <message> <launcher pid>`.
 * Waits to be orphaned (its PPID is no longer the launcher's), opens the FIFO by name and writes who it
 * is and the message as JSON `{ pid, ppid, text }`. Gives up after 10 s (exit 3); exit 2 when open fails.
 */
import fs from "node:fs";

const [path, message, parent] = process.argv.slice(2);
setTimeout(() => process.exit(3), 10000); // gives up if no reader ever comes
const t0 = Date.now();
(function waitOrphan(): void {
  if (process.ppid === Number(parent) && Date.now() - t0 < 2000) {
    setTimeout(waitOrphan, 5);
    return;
  }
  fs.open(path, "w", (err, fd) => {
    if (err) process.exit(2);
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, ppid: process.ppid, text: message }));
    fs.closeSync(fd);
    process.exit(0);
  });
})();
