/**
 * Intermediate of the FIFO demo (./fifo-demos.ts): `node fifo-launcher-main.js <writer's node args…>`.
 * Starts the writer (`node <args…> <its own pid>`) in its own session, prints the writer's PID and exits
 * at once, orphaning it: the writer is then nobody's child that the demo knows.
 */
import { spawn } from "node:child_process";

const c = spawn(process.execPath, [...process.argv.slice(2), String(process.pid)], { detached: true, stdio: "ignore" });
process.stdout.write(String(c.pid));
c.unref();
