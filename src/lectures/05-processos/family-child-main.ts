/**
 * The child of ./family.ts: `node family-child-main.js <data as JSON>`, started with fd 3 = a file the
 * parent opened and an IPC channel. It reports what it inherited (PID → PPID, UIDs, the environment
 * variable CDLAB_AULA), changes its copy of the data, writes to the shared file at the shared offset,
 * and sends the report to the parent.
 */
import fs from "node:fs";

const [copied] = process.argv.slice(2);
const data = JSON.parse(copied); //          the copy the parent sent
const before = data.counter;
data.counter += 100; //                      changed here only
const pos = () => Number(/^pos:\s*(\d+)/m.exec(fs.readFileSync("/proc/self/fdinfo/3", "utf8"))![1]);
const posBefore = pos();
fs.writeSync(3, "filho escreveu\n"); //      no position: at the shared offset
process.send!(
  {
    pid: process.pid,
    ppid: process.ppid,
    uid: process.getuid!(),
    euid: process.geteuid!(),
    env: process.env.CDLAB_AULA,
    before,
    after: data.counter,
    fd3: fs.readlinkSync("/proc/self/fd/3"),
    posBefore,
    posAfter: pos(),
  },
  () => process.disconnect!(),
);
